"""A class opening the app at once: `make app`'s server (Voila with .ci/app/voila.py, on loopback), N pages
of the tour opened in one headless Chromium at the same moment, and

* the time from opening to a fully drawn page (every figure drawn with data and every slider shown,
  then checked as the browser tests check a page: tests/browser/harness.py), median and max;
* failures (a page not fully drawn in time, an error output, a console error, fewer figures than the
  other pages, two pages sharing a kernel);
* peak memory: the server's and all its kernels' RSS summed (and PSS, where shared libraries count once),
  sampled every second; and the memory of one page's kernel;
* what is left a minute after the pages close: the pages' kernels still running.

Pages are closed abruptly by default (as a crashed tab, a closed laptop or a lost network: the page says
nothing, culling must find its kernel); ``--close tab`` closes them as a tab is closed (the page asks
Voila to shut its kernel down). Prints a markdown table (the README's "Serving a class").

Usage:
    python benchmarks/bench_class.py [--pages 10] [--pool N] [--close abrupt|tab] [--after 60]
Needs Debian's chromium (/usr/bin/chromium) and the playwright package, as the browser tests. Not a test.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))
import classroom  # noqa: E402
import harness  # noqa: E402

MAX_PAGES = 30


def _pages(text):
    n = int(text)
    if not 1 <= n <= MAX_PAGES:
        raise argparse.ArgumentTypeError(f"pages must be an integer from 1 to {MAX_PAGES}, got {n}")
    return n


def _fmt_s(x):
    return "–" if x is None else f"{x:.1f} s"


def cpu(proc):
    """User plus system CPU-seconds of a process so far (0 once it is gone); benchmarks/profile_page.py too."""
    import psutil

    try:
        t = proc.cpu_times()
        return t.user + t.system
    except psutil.Error:
        return 0.0


PARTS = ("browser", "kernels", "server")


def _used(now, before):
    """CPU-seconds of each part between two :func:`_cpu_seconds` readings."""
    return {k: now[k] - before[k] for k in PARTS}


def _cpu_seconds(server):
    """CPU seconds used so far by the server, its kernels (running ones) and this process's browsers."""
    import psutil

    me = psutil.Process()
    browsers = [c for c in me.children(recursive=True) if "chrom" in c.name().lower()]
    kernels = [psutil.Process(pid) for pid in classroom.kernels(server).values() if psutil.pid_exists(pid)]
    return {"server": cpu(psutil.Process(server.proc.pid)), "kernels": sum(map(cpu, kernels)),
            "browser": sum(map(cpu, browsers)), "kernel_ids": set(classroom.kernels(server))}


class CpuTimeline(classroom.Sampler):
    """Samples :func:`_cpu_seconds` once a second: what the browser, the kernels and the server had used by
    each moment, so the CPU up to a page's drawing can be read off (the window after the last page is drawn
    holds the pool's refill and the pages' settling, which no page waited for)."""

    def __init__(self, server, interval=1.0):
        super().__init__(server, interval)
        self.samples = []

    def sample(self):
        self.samples.append((time.time(), _cpu_seconds(self.server)))

    def at(self, t):
        """The last sample at or before ``t`` (epoch seconds)."""
        before = [c for ts, c in self.samples if ts <= t]
        return before[-1] if before else self.samples[0][1]


_REFILL = "Pool refill started after waiting"
_TIME = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)")


def _refills(log, start):
    """Seconds from the pages' opening to each pool refill's start, from the server's log lines (their local
    time; None for a line without one)."""
    from datetime import datetime

    out = []
    for line in log.splitlines():
        if _REFILL in line:
            t = _TIME.search(line)
            fmt = "%Y-%m-%d %H:%M:%S.%f" if t and "." in t.group(1) else "%Y-%m-%d %H:%M:%S"
            out.append(datetime.strptime(t.group(1), fmt).timestamp() - start if t else None)
    return out


def run(*, pages, pool, close, after, timeout):
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-class-") as tmp:
        server = classroom.start_app(harness.APP_NOTEBOOK, tmp, pool=pool)
        try:
            pool_s = classroom.wait_for_pool(server, pool) if pool > 0 else 0.0
            idle = classroom.kernels(server)
            idle_mem = [classroom.memory(pid) for pid in idle.values()]
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="bench-class-chromium-") as prof:
                context = p.chromium.launch_persistent_context(
                    prof, executable_path=harness.CHROMIUM, headless=True, args=harness.CHROMIUM_ARGS,
                    viewport={"width": 1400, "height": 1000})
                with classroom.MemorySampler(server) as sampler, CpuTimeline(server) as timeline:
                    cpu0, t0, start = _cpu_seconds(server), time.monotonic(), time.time()
                    opened, result = classroom.open_class(context, server, pages, timeout=timeout)
                    cpu1, wall = _cpu_seconds(server), time.monotonic() - t0
                drawn_at = sorted(start + t for t in result.times)
                cpu_drawn = {}
                if drawn_at:
                    for label, t in (("median", drawn_at[(len(drawn_at) - 1) // 2]), ("last", drawn_at[-1])):
                        cpu_drawn[label] = (t - start, _used(timeline.at(t), cpu0))
                    ids = [r.kernel_id for r in result.pages]
                    shared = {k for k in ids if k and ids.count(k) > 1}
                    for r in result.pages:
                        if r.kernel_id in shared and r.error is None:
                            r.error = f"shares kernel {r.kernel_id} with another page"
                    closed_at = classroom.close_pages(opened, before_unload=(close == "tab"))
                    gone = classroom.watch_kernels_go(server, ids, closed_at, window=after)
                context.close()
            kernels_after = classroom.kernels(server)
            refills = _refills(server.log.read_text(errors="replace"), start)
        finally:
            harness.stop_server(server)
    return dict(pages=pages, pool=pool, close=close, after=after, result=result, gone=gone,
                peak_rss=sampler.peak_rss, peak_pss=sampler.peak_pss, pool_s=pool_s, idle_mem=idle_mem,
                kernels_after=len(kernels_after), load=(load_before, os.getloadavg()), cpu_drawn=cpu_drawn,
                refills=refills,
                cpu=_used(cpu1, cpu0), wall=wall)


def table(r):
    res = r["result"]
    times = res.times
    html = [p.html_s for p in res.pages if p.html_s is not None]
    mem = list(res.kernel_memory.values())
    left = [k for k, v in r["gone"].items() if v is None]
    gone_s = [v for v in r["gone"].values() if v is not None]

    def med(xs):
        return statistics.median(xs) if xs else None

    rows = [
        ("pages opened at once", f"{r['pages']} (one headless Chromium, loopback)"),
        ("preheated pool (`POOL`)", f"{r['pool']} (filled and idle after {r['pool_s']:.0f} s)"),
        ("fully drawn", f"{len(times)} of {r['pages']}"),
        ("time to a fully drawn page: median", _fmt_s(med(times))),
        ("time to a fully drawn page: min / max", f"{_fmt_s(min(times) if times else None)} / "
                                                   f"{_fmt_s(max(times) if times else None)}"),
        ("HTML page received: median (max), all pages",
         f"{_fmt_s(med(html))} ({_fmt_s(max(html) if html else None)}; {len(html)} of {r['pages']} complete)"),
        ("failures", "; ".join(f"page {p.index}: {p.error}" for p in res.failures) or "none"),
        ("peak memory, server + kernels: RSS sum (PSS sum)",
         f"{r['peak_rss'] / 1024:.2f} GB ({r['peak_pss'] / 1024:.2f} GB)"),
        ("one page's kernel, drawn: RSS / PSS / own (anonymous), median",
         f"{med([m.rss for m in mem]) or 0:.0f} / {med([m.pss for m in mem]) or 0:.0f} / "
         f"{med([m.anon for m in mem]) or 0:.0f} MB" if mem else "–"),
        ("one pooled kernel, before any page: RSS / own",
         f"{med([m.rss for m in r['idle_mem']]):.0f} / {med([m.anon for m in r['idle_mem']]):.0f} MB"
         if r["idle_mem"] else "–"),
        (f"pages' kernels left {r['after']:.0f} s after the pages closed ({r['close']})",
         f"{len(left)} of {len(r['gone'])}" + (f" (last one gone after {max(gone_s):.0f} s)" if gone_s else "")),
        ("kernels running then (the refilled pool)", str(r["kernels_after"])),
        ("pool refills started (server log), seconds after the pages opened",
         ", ".join("?" if t is None else f"{t:.0f}" for t in r["refills"] if t is None or t >= 0) or "none"),
        ("CPU while the pages loaded (wall {:.0f} s): browser / kernels / server".format(r["wall"]),
         " / ".join(f"{r['cpu'][k]:.0f} s" for k in PARTS)),
        *((f"CPU until the {label} page was drawn ({t:.0f} s; sampled each second): browser / kernels / server",
           " / ".join(f"{c[k]:.0f} s" for k in PARTS))
          for label, (t, c) in r["cpu_drawn"].items()),
    ]
    (b1, b5, _), (a1, a5, _) = r["load"]
    lines = ["| measure | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]
    lines.append("")
    lines.append(f"Machine: {os.cpu_count()} cores; load average (1 min / 5 min) {b1:.1f} / {b5:.1f} before, "
                 f"{a1:.1f} / {a5:.1f} after (other work on the machine makes every time longer).")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=_pages, default=10, help=f"pages opened at once (1..{MAX_PAGES})")
    parser.add_argument("--pool", type=int, default=None, help="preheated kernels (default: --pages)")
    parser.add_argument("--close", choices=("abrupt", "tab"), default="abrupt")
    parser.add_argument("--after", type=float, default=60.0, help="seconds to watch kernels after closing")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a page may take")
    args = parser.parse_args(argv)
    pool = args.pages if args.pool is None else args.pool
    if pool < 0:
        parser.error(f"pool must be a non-negative integer, got {pool}")
    print(table(run(pages=args.pages, pool=pool, close=args.close, after=args.after, timeout=args.timeout)))


if __name__ == "__main__":
    main()

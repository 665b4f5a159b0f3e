"""What ONE page of the app costs in CPU-seconds: `make app`'s server (Voila with .ci/app/voila.py, one
preheated kernel, loopback), one headless Chromium opening the tour once, and where the CPU went.

CPU-seconds, not wall time: they hardly depend on what else runs on the machine (on a busy machine a page
takes longer, but not more CPU), so the numbers compare across runs and checkouts. Measured:

* the browser's processes (psutil CPU times, by Chromium process type: renderer, GPU, network, browser)
  from the navigation to the page fully drawn (as tests/browser/classroom.py judges it) plus ``--settle``
  seconds;
* the renderer's main thread as Chrome counts it (DevTools ``Performance.getMetrics`` in thread time:
  script, layout, style recalculation, tasks);
* with ``--profile``: a second load under the V8 sampling profiler, its samples grouped by where the code
  came from (plotly.js, Voila's bundle, ipywidgets, rfexplore's views, ...), plus the page's bytes of
  scripts and styles and of the kernel's widget state (the websocket messages);
* the kernel: its CPU from start to the pool's "ready" (kernel start, imports, running the tour), and
  during the page load (sending the widgets' state); the server's CPU during the page load.

Usage:
    python benchmarks/profile_page.py [--loads 3] [--profile] [--settle 3]
Run it from a checkout (its PYTHONPATH) to measure that checkout; the before/after of a change is two runs,
one from each checkout. Needs Debian's chromium and playwright, as the browser tests. Not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))
import classroom  # noqa: E402
import harness  # noqa: E402
from bench_class import cpu as _cpu  # noqa: E402  (benchmarks/ is on the path when this script runs)

# Performance.getMetrics names summed into the table (seconds of the renderer's main thread).
METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


def _chromium_cpu():
    """{process type: CPU-seconds} over this process's Chromium descendants (renderer, gpu-process, utility
    (network), browser), and {pid: type}."""
    by_type, kinds = defaultdict(float), {}
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" not in child.name().lower():
                continue
            args = child.cmdline()
        except psutil.Error:
            continue
        kind = next((a.split("=", 1)[1] for a in args if a.startswith("--type=")), "browser")
        kinds[child.pid] = kind
        by_type[kind] += _cpu(child)
        if kind == "renderer":
            for name, cpu in _threads(child.pid).items():
                by_type[f"renderer thread {name}"] += cpu
    return dict(by_type), kinds


def _threads(pid):
    """{thread name (numbers dropped: a pool's workers summed): CPU-seconds} of one process (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = defaultdict(float)
    for task in Path(f"/proc/{pid}/task").glob("[0-9]*"):
        try:
            name = (task / "comm").read_text().strip().rstrip("0123456789/").strip() or "?"
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            out[name] += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return out


def _wait_drawn(page, *, timeout, settle_s):
    """Seconds from now until the page looked fully drawn and then stayed so for a second (classroom's
    judge); then ``settle_s`` more."""
    start = time.time()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            stable, now_key, now_ms = page.evaluate(classroom._STATE_JS)
        except Exception:       # the navigation replaced the context: ask again
            time.sleep(0.25)
            continue
        if stable and now_key == stable[-1][1] and now_ms - stable[-1][0] >= 1000:
            drawn = stable[-1][0] / 1000 - start
            page.wait_for_timeout(1000 * settle_s)
            return drawn, now_key
        time.sleep(0.25)
    raise RuntimeError(f"the page was not fully drawn within {timeout:.0f} s")


# Where a profiled function's code came from, by its script URL (first match wins).
SOURCES = (
    ("rfexplore: figure view and loader ESM", lambda url, fn: url.startswith("blob:") or "anywidget" in url),
    ("jupyter-widgets (controls, base, manager)", lambda url, fn: "jupyter-widgets" in url
     or "widgets" in url.rsplit("/", 1)[-1]),
    ("Voila's page bundle", lambda url, fn: "/voila/static/" in url),
    ("JupyterLab extensions (labextensions)", lambda url, fn: "/labextensions/" in url),
    ("MathJax", lambda url, fn: "mathjax" in url.lower()),
    ("the page's inline scripts", lambda url, fn: url.startswith("http") and "/static/" not in url),
    ("(garbage collector)", lambda url, fn: fn == "(garbage collector)"),
    ("(program: native work outside JS: parse, style, layout, paint)", lambda url, fn: fn == "(program)"),
    ("(idle)", lambda url, fn: fn == "(idle)"),
)


def _by_source(profile, plotly_ids):
    """Self time (s) of a V8 CPU profile's samples, grouped by SOURCES; nodes below a plotly.js evaluation
    (``plotly_ids``, found by the loader's ``new Function``) count as plotly.js."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
    deltas = profile["timeDeltas"]
    totals = defaultdict(float)
    cache = {}

    def kind(node_id):
        if node_id in cache:
            return cache[node_id]
        n = nodes[node_id]
        frame = n["callFrame"]
        url, fn = frame.get("url", ""), frame.get("functionName", "")
        # code run by plotly.js (its evaluation, and later its drawing): any ancestor or itself from plotly
        k, in_plotly, evaluating, walk = None, False, False, node_id
        while walk is not None:
            in_plotly = in_plotly or walk in plotly_ids
            # the loader's whenQuiet compiles and runs the bundle (new Function): its whole subtree
            evaluating = evaluating or nodes[walk]["callFrame"].get("functionName") == "whenQuiet"
            walk = parent.get(walk)
        if evaluating:
            k = "rfexplore: plotly.js, compiling and evaluating the bundle (the loader)"
        elif in_plotly:
            k = "rfexplore: plotly.js, drawing the figures"
        if k is None:
            k = next((name for name, match in SOURCES if match(url, fn)), f"other: {url.rsplit('/', 1)[-1][:40] or fn}")
        cache[node_id] = k
        return k

    for node_id, dt in zip(profile["samples"], deltas, strict=True):
        totals[kind(node_id)] += dt / 1e6
    return dict(totals)


def _plotly_nodes(profile):
    """Ids of profile nodes whose code is plotly.js: scripts with no URL (the loader's ``new Function``) and
    everything they call. (In the loader's evaluation the plotly code has an empty URL.)"""
    ids = set()
    for n in profile["nodes"]:
        f = n["callFrame"]
        native = f.get("functionName") in ("(root)", "(program)", "(idle)", "(garbage collector)")
        if f.get("url", "") == "" and not native and f.get("scriptId", "0") != "0":
            ids.add(n["id"])
    return ids


def load_once(context, url, *, profile, timeout, settle_s):
    page = context.new_page()
    page.add_init_script(classroom._DRAWN_INIT_JS)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
    sizes, urls = defaultdict(int), {}
    ws_bytes = [0]

    def on_response(resp):
        try:
            body = resp.body()
        except Exception:
            return
        kind = resp.request.resource_type
        sizes[kind] += len(body)
        if kind in ("script", "stylesheet", "font"):
            urls[resp.url.split("?")[0].split("/static/", 1)[-1]] = len(body)

    if profile:
        page.on("response", on_response)
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: ws_bytes.__setitem__(
            0, ws_bytes[0] + len(payload))))
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 500})
        cdp.send("Profiler.start")
    cpu0, _ = _chromium_cpu()
    m0 = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    page.goto(url, wait_until="commit", timeout=timeout * 1000)
    drawn_s, key = _wait_drawn(page, timeout=timeout, settle_s=settle_s)
    m1 = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    cpu1, _ = _chromium_cpu()
    out = {"drawn_s": drawn_s, "drawn": key,
           "metrics": {k: m1.get(k, 0.0) - m0.get(k, 0.0) for k in METRICS},
           "cpu": {k: cpu1.get(k, 0.0) - cpu0.get(k, 0.0) for k in set(cpu0) | set(cpu1)}}
    if profile:
        prof = cdp.send("Profiler.stop")["profile"]
        out["sources"] = _by_source(prof, _plotly_nodes(prof))
        out["profile"] = prof
        out["bytes"] = dict(sizes)
        out["urls"] = urls
        out["ws_bytes"] = ws_bytes[0]
    page.close()
    return out


def run(*, loads, profile, settle_s, timeout):
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="profile-page-") as tmp:
        t0 = time.monotonic()
        server = classroom.start_app(harness.APP_NOTEBOOK, tmp, pool=1)
        results, kernel_cpu, used = [], [], set()
        try:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                for i in range(loads + (1 if profile else 0)):
                    kernel_id, pid = _fresh_pooled_kernel(server, used)
                    used.add(kernel_id)
                    if i == 0:
                        ready_s = time.monotonic() - t0
                    pooled_cpu = _cpu(psutil.Process(pid))
                    srv = psutil.Process(server.proc.pid)
                    srv0 = _cpu(srv)
                    with tempfile.TemporaryDirectory(prefix="profile-page-chromium-") as prof:
                        context = p.chromium.launch_persistent_context(
                            prof, executable_path=harness.CHROMIUM, headless=True, args=harness.CHROMIUM_ARGS,
                            viewport={"width": 1400, "height": 1000})
                        try:
                            r = load_once(context, server.url + "/", profile=(profile and i == loads),
                                          timeout=timeout, settle_s=settle_s)
                        finally:
                            context.close()
                    r["kernel_start_cpu"] = pooled_cpu
                    r["kernel_page_cpu"] = _cpu(psutil.Process(pid)) - pooled_cpu
                    r["server_cpu"] = _cpu(srv) - srv0
                    results.append(r)
                    kernel_cpu.append(pooled_cpu)
                    # the page's kernel goes with the page; wait for the pool's replacement (fill_delay)
                    _shutdown(server, kernel_id)
        finally:
            harness.stop_server(server)
    return dict(results=results, ready_s=ready_s, load=(load_before, os.getloadavg()), settle_s=settle_s)


def _fresh_pooled_kernel(server, used, timeout=600):
    """(id, pid) of a pooled kernel that has run the notebook and served no page yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = set(classroom._READY.findall(server.log.read_text(errors="replace")))
        fresh = {k: v for k, v in classroom.kernels(server).items() if k in ready and k not in used}
        if fresh:
            return next(iter(fresh.items()))
        time.sleep(1)
    raise RuntimeError(f"no fresh pooled kernel within {timeout} s:\n{server.log_tail()}")


def _shutdown(server, kernel_id):
    import urllib.request

    req = urllib.request.Request(f"{server.url}/api/kernels/{kernel_id}", method="DELETE")
    try:
        urllib.request.urlopen(req, timeout=30).close()
    except OSError:
        pass


def table(r):
    plain = [x for x in r["results"] if "sources" not in x]
    med = lambda xs: statistics.median(xs) if xs else float("nan")  # noqa: E731
    kinds = sorted({k for x in plain for k in x["cpu"]}, key=lambda k: (k.split(" thread ")[0], " thread " in k, k))
    rows = [("loads measured (one fresh browser each)", str(len(plain))),
            ("time to a fully drawn page (wall; load-sensitive)", f"{med([x['drawn_s'] for x in plain]):.1f} s"),
            ("browser, all processes: CPU-s",
             f"{med([sum(v for k, v in x['cpu'].items() if ' thread ' not in k) for x in plain]):.2f}")]
    rows += [(f"  {k}" if " thread " in k else f"  {k} processes", f"{med([x['cpu'].get(k, 0.0) for x in plain]):.2f}")
             for k in kinds if med([x["cpu"].get(k, 0.0) for x in plain]) >= 0.005]
    rows += [(f"renderer main thread: {k}", f"{med([x['metrics'][k] for x in plain]):.2f}") for k in METRICS]
    rows += [("kernel: start, imports and running the tour (pooled, before the page)",
              f"{med([x['kernel_start_cpu'] for x in plain]):.2f}"),
             ("kernel: during the page load (widget state, comm messages)",
              f"{med([x['kernel_page_cpu'] for x in plain]):.2f}"),
             ("server (Voila) during the page load", f"{med([x['server_cpu'] for x in plain]):.2f}")]
    lines = ["| per page | CPU-seconds (median) |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]
    prof = [x for x in r["results"] if "sources" in x]
    if prof:
        x = prof[0]
        total = sum(v for k, v in x["sources"].items() if k != "(idle)")
        lines += ["", f"Renderer main thread by source, one profiled load (V8 sampling profiler, 0.5 ms; "
                  f"busy {total:.2f} s, profiling adds overhead):", "",
                  "| source | s | share |", "|---|---|---|"]
        for k, v in sorted(x["sources"].items(), key=lambda kv: -kv[1]):
            if k != "(idle)" and v >= 0.01:
                lines.append(f"| {k} | {v:.2f} | {100 * v / total:.0f} % |")
        b = x["bytes"]
        lines += ["", "Bytes the page received: " + ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in
                                                            sorted(b.items(), key=lambda kv: -kv[1]))
                  + f"; websocket (kernel messages) {x['ws_bytes'] / 1e6:.2f} MB. The largest files:"]
        lines += [", ".join(f"{u} {n / 1e6:.2f} MB" for u, n in
                            sorted(x["urls"].items(), key=lambda kv: -kv[1])[:10])]
    (b1, b5, _), (a1, a5, _) = r["load"]
    lines += ["", f"Machine: {os.cpu_count()} cores; load average (1 min / 5 min) {b1:.1f} / {b5:.1f} before, "
              f"{a1:.1f} / {a5:.1f} after; headless Chromium {harness.CHROMIUM}, software rendering "
              f"(--disable-gpu); {r['settle_s']:.0f} s counted after the page was drawn."]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=3, help="page loads measured, each in a fresh browser")
    parser.add_argument("--profile", action="store_true", help="one more load under the V8 profiler")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds counted after the page is drawn")
    parser.add_argument("--save-profile", metavar="PATH", help="write the profiled load's .cpuprofile "
                        "(opens in Chrome DevTools' Performance panel); implies --profile")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a page may take")
    args = parser.parse_args(argv)
    args.profile = args.profile or bool(args.save_profile)
    if args.loads < 1:
        parser.error(f"loads must be a positive integer, got {args.loads}")
    if args.settle < 0:
        parser.error(f"settle must be non-negative seconds, got {args.settle}")
    result = run(loads=args.loads, profile=args.profile, settle_s=args.settle, timeout=args.timeout)
    if args.save_profile:
        import json

        prof = next(x["profile"] for x in result["results"] if "profile" in x)
        Path(args.save_profile).write_text(json.dumps(prof))
    print(table(result))


if __name__ == "__main__":
    main()

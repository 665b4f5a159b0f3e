"""A class in one browser: the app server started as `make app` starts it, N pages opened at once, the
time each page took to be fully drawn, the memory of the server and its kernels, and what is left of
the pages' kernels after the pages close. Used by ``test_browser_class.py`` (small N) and
``benchmarks/bench_class.py`` (the numbers in the README).

Kernels are processes: the children of the Voila server whose command line runs ipykernel, named by the
kernel id in their connection file (``kernel-<id>.json``)."""

from __future__ import annotations

import importlib.util
import re
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import harness

APP_CONFIG_DIR = harness.REPO / ".ci" / "app"


def app_config():
    """`.ci/app/voila.py` as a module (its settings and culling rule; Voila reads it as its config)."""
    spec = importlib.util.spec_from_file_location("rfexplore_app_config", APP_CONFIG_DIR / "voila.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def app_argv(notebook, *, port, pool=None):
    """The command line of `make app` (Makefile, target `app`), on loopback and a given port."""
    argv = [sys.executable, "-m", "voila", str(notebook), f"--Voila.config_file_paths={APP_CONFIG_DIR}",
            f"--port={port}", "--Voila.ip=127.0.0.1", "--no-browser"]
    if pool is not None:
        argv.append(f"--VoilaConfiguration.default_pool_size={pool}")
    return argv


def start_app(notebook, tmp_dir, *, pool=None, timeout=120):
    tmp_dir = Path(tmp_dir)
    port = harness.free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"JUPYTER_RUNTIME_DIR": str(tmp_dir / "runtime")}
    return harness.start_server(app_argv(notebook, port=port, pool=pool), url=url,
                                ready_url=f"{url}/voila/static/", log=tmp_dir / "voila.log", env=env,
                                timeout=timeout)


# ---------------------------------------------------------------- processes and memory

_KERNEL_FILE = re.compile(rb"kernel-([0-9a-f-]{36})\.json")


def _status_kb(pid, key):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _pss_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def kernels(server):
    """{kernel id: process id} of the server's running kernels."""
    found = {}
    for pid, cmdline in harness._children(server.proc.pid).items():
        match = _KERNEL_FILE.search(cmdline or b"")
        if match and b"ipykernel" in cmdline:
            found[match.group(1).decode()] = pid
    return found


@dataclass(frozen=True)
class Memory:
    """MB of one process: resident (counts shared libraries in every process), proportional (shares
    divided among the processes that map them: what the machine really spends) and anonymous (its own)."""

    rss: float
    pss: float
    anon: float


def memory(pid):
    return Memory(_status_kb(pid, "VmRSS") / 1024, _pss_kb(pid) / 1024, _status_kb(pid, "RssAnon") / 1024)


_READY = re.compile(r"Pooled kernel ([0-9a-f-]{36}) is ready")


def wait_for_pool(server, size, *, timeout=900):
    """Wait until `size` running kernels have run the whole notebook (the server logs "Pooled kernel
    <id> is ready", .ci/app/voila.py). Returns the seconds waited."""
    start = time.monotonic()
    while True:
        ready = set(_READY.findall(server.log.read_text(errors="replace"))) & set(kernels(server))
        if len(ready) >= size:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"{len(ready)} of the pool's {size} kernel(s) ran the notebook within "
                               f"{timeout} s:\n{server.log_tail()}")
        if server.proc.poll() is not None:
            raise RuntimeError(f"the server exited:\n{server.log_tail()}")
        time.sleep(1)


class Sampler:
    """Calls :meth:`sample` in a thread every ``interval`` seconds while the ``with`` block runs."""

    def __init__(self, server, interval=1.0):
        self.server, self.interval = server, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self):
        raise NotImplementedError

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class MemorySampler(Sampler):
    """Samples, in a thread, the total RSS and PSS (MB) of the server and all its kernels."""

    def __init__(self, server, interval=1.0):
        super().__init__(server, interval)
        self.peak_rss = self.peak_pss = 0.0

    def sample(self):
        pids = [self.server.proc.pid, *kernels(self.server).values()]
        sizes = [memory(p) for p in pids]
        self.peak_rss = max(self.peak_rss, sum(m.rss for m in sizes))
        self.peak_pss = max(self.peak_pss, sum(m.pss for m in sizes))


# ---------------------------------------------------------------- pages

# Installed in every page before its scripts run: every 250 ms, the page's state as "figures/sliders"
# when it looks fully drawn (Voila's spinner gone, at least one slider, every plotly figure drawn, its
# SVG, with data points, counted as harness._FIGURES_JS counts them but without serializing the traces),
# else null; `__rfxStable` lists [epoch ms, state] each time a new drawn state has held for a second.
_DRAWN_INIT_JS = """(() => {
    const ATTRS = ['x', 'y', 'z', 'values', 'r', 'lat', 'a'];
    const size = v => v == null ? 0 : (v.length ?? (v.bdata ? (v.shape ? String(v.shape).split(',')
        .reduce((a, b) => a * Number(b), 1) : 1) : 0));
    const points = traces => (traces || []).map(t => Math.max(0, ...ATTRS.map(a => size(t[a]))))
        .reduce((a, b) => a + b, 0);
    const figures = () => [...document.querySelectorAll('.js-plotly-plot')].map(el => ({
        svg: !!el.querySelector('.main-svg'), points: Math.max(points(el._fullData), points(el.data))}));
    const visible = el => !!(el && (el.offsetWidth || el.offsetHeight || el.getClientRects().length));
    window.__rfxStable = [];
    let since = null, last = null;
    const tick = () => {
        const figs = figures();
        const sliders = document.querySelectorAll('.widget-slider').length;
        const ok = !visible(document.getElementById('loading')) && figs.length > 0 && sliders > 0
            && figs.every(f => f.svg && f.points > 0);
        const key = ok ? `${figs.length}/${sliders}` : null;
        if (key !== last) { since = Date.now(); last = key; }
        const stable = window.__rfxStable;
        if (key && Date.now() - since >= 1000 && (!stable.length || stable[stable.length - 1][1] !== key))
            stable.push([since, key]);
        window.__rfxNow = key;
        setTimeout(tick, 250);
    };
    if (location.protocol.startsWith('http')) setTimeout(tick, 250);
})()"""

_STATE_JS = "() => [window.__rfxStable || [], window.__rfxNow || null, Date.now()]"

_KERNEL_ID_JS = """() => {
    const el = document.getElementById('jupyter-config-data');
    try { return el ? JSON.parse(el.textContent).kernelId || null : null; } catch (e) { return null; }
}"""


@dataclass
class PageResult:
    index: int
    seconds: float | None = None     # from opening to fully drawn
    html_s: float | None = None      # from opening to the last byte of the HTML page (Voila's rendering)
    kernel_id: str | None = None
    error: str | None = None
    drawn: str | None = None         # "figures/sliders" when drawn


@dataclass
class ClassRun:
    pages: list
    kernel_memory: dict = field(default_factory=dict)   # kernel id -> Memory, after drawing

    @property
    def times(self):
        return [p.seconds for p in self.pages if p.error is None]

    @property
    def failures(self):
        return [p for p in self.pages if p.error is not None]

    def median(self):
        return statistics.median(self.times) if self.times else None


def _first_time_in_final_state(page, i, opened, wait_s=15.0):
    """(seconds from opening to the first moment the page held its present state for a second, that
    state). A static figure is redrawn by replacing it, so the count of figures can flicker; the present
    state is the one checked, and is waited for up to `wait_s` to hold for a second."""
    deadline = time.monotonic() + wait_s
    while True:
        stable, now_key, _ = page.evaluate(_STATE_JS)
        first = next((t for t, key in stable if key == now_key), None) if now_key else None
        if first is not None:
            return first / 1000 - opened, now_key
        if time.monotonic() > deadline:
            raise harness.CheckFailed(f"page {i}: no steady fully drawn state (steady states {stable}, "
                                      f"now {now_key})")
        page.wait_for_timeout(500)


def open_class(context, server, n, *, timeout=300, settle_s=10.0):
    """Open `n` pages of the app in `context` at once (each navigation is started without waiting for
    the previous one). A page is done when it has looked fully drawn, unchanged, for `settle_s` seconds;
    then each is checked as the browser tests check a page (harness.check_outputs: no error output, every
    widget shown, every figure drawn with data; no console error). A page's time is from its opening to
    the first moment it showed its final state; a page showing fewer figures or sliders than the others
    fails. Returns (pages, ClassRun); the pages stay open."""
    pages, consoles = [], []
    for _ in range(n):
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.add_init_script(_DRAWN_INIT_JS)
        consoles.append(harness.Console().attach(page))
        pages.append(page)
    results = [PageResult(i) for i in range(n)]
    opened = []
    for page in pages:          # location.assign returns at once: all n requests leave together
        opened.append(time.time())
        page.evaluate("url => setTimeout(() => location.assign(url), 0)", server.url + "/")
    deadline = time.monotonic() + timeout
    pending = set(range(n))
    while pending and time.monotonic() < deadline:
        for i in sorted(pending):
            try:
                stable, now_key, now_ms = pages[i].evaluate(_STATE_JS)
            except Exception:       # a navigation in progress destroys the context: ask again later
                continue
            if stable and now_key == stable[-1][1] and now_ms - stable[-1][0] >= 1000 * settle_s:
                pending.discard(i)
        time.sleep(0.5)
    for i in pending:
        results[i].error = f"not fully drawn within {timeout:.0f} s"
    for i, page in enumerate(pages):
        try:
            results[i].kernel_id = page.evaluate(_KERNEL_ID_JS)
            nav = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0];"
                                " return n && n.responseEnd > 0 ? performance.timeOrigin + n.responseEnd : null; }")
            results[i].html_s = nav / 1000 - opened[i] if nav else None
            if results[i].error is None:
                harness.check_outputs(page, f"page {i}")
                consoles[i].check(f"page {i}")
                results[i].seconds, results[i].drawn = _first_time_in_final_state(page, i, opened[i])
        except Exception as exc:
            results[i].error = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
    finals = [r.drawn for r in results if r.error is None]
    if finals:                  # every page is the same notebook: the same figures and sliders
        usual = max(set(finals), key=finals.count)
        for r in results:
            if r.error is None and r.drawn != usual:
                r.error = f"ended with {r.drawn} figures/sliders where most pages have {usual}"
    run = ClassRun(results)
    running = kernels(server)
    run.kernel_memory = {r.kernel_id: memory(running[r.kernel_id]) for r in results
                         if r.kernel_id in running}
    return pages, run


def close_pages(pages, *, before_unload=False):
    """Close the pages: abruptly (as a crashed tab, a closed laptop or a lost network: the page sends
    nothing) or as a closed tab (``before_unload``: the page's unload handlers run, and Voila's asks the
    server to shut its kernel down). Returns the time of closing."""
    for page in pages:
        page.close(run_before_unload=before_unload)
    return time.monotonic()


def watch_kernels_go(server, kernel_ids, closed_at, *, window=60.0):
    """Until `window` seconds after `closed_at` (or until none is left): {kernel id: seconds after closing
    at which its process was gone, or None if it still runs at the end of the window}."""
    gone = {k: None for k in kernel_ids if k}
    while True:
        now = time.monotonic()
        running = kernels(server)
        for k in gone:
            if gone[k] is None and k not in running:
                gone[k] = now - closed_at
        if all(v is not None for v in gone.values()) or now - closed_at >= window:
            return gone
        time.sleep(1)

"""What a person feels: time from an input (a key press, a drag) to the first animation frame in which
the dashboard's figures differ, in a real browser, in JupyterLab and in Voila.

For each dashboard it opens a two-cell notebook that displays it (the tour, the limitation dashboard of
notebook 04, the staircase of notebook 05, the neuron of notebook 06), waits until every figure is drawn,
then repeats each input N times and prints the median and 90th percentile of

    input event (keydown / first pointermove of a drag)  ->  first requestAnimationFrame callback in
    which the figures' drawn SVG (trace paths and points) differs from what it was at the input.

A rAF callback runs just before the browser paints that frame, so this is input to changed pixels, up to
one frame. Where the page draws part of the answer itself (the tour's width marker and budget line follow
their sliders in the page, before the kernel hears of the input), the first change is that part; the
"settled" column is the time to the last frame that changed before the figures stayed the same for a second
(the kernel's answer drawn: the other markers, a budget fit's error). Beside each row: the kernel-side time
of the same change on a headless copy of the dashboard (compute + figure building, no transport, no
drawing), so the difference is the cost of the transport and the redraw. The Play row gives the frames per
second in which the figures changed while Play runs.

Usage:
    python benchmarks/bench_browser.py [--repeat 12] [--hosts lab,voila] [--only tour,neuron]
                                       [--checkout DIR]
``--checkout`` benchmarks the rfexplore of another checkout (e.g. a worktree of an older commit) under the
same conditions, for before/after tables. Needs Debian's chromium (/usr/bin/chromium) and the playwright
package (as the browser tests); not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))
import harness  # noqa: E402


@dataclass(frozen=True)
class Input:
    """One kind of input on one control: ``label`` is a regular expression matched against the control's
    description; ``kind`` is ``key`` (``keys`` pressed in turn on the slider's handle), ``drag`` (the
    handle dragged ``pixels`` to the right and back, alternately) or ``play`` (frames per second)."""

    name: str
    label: str
    kind: str
    keys: tuple = ("ArrowRight", "ArrowLeft")
    pixels: int = 25
    kernel: str | None = None       # a Python expression timed on the headless copy (``dash``), or None
    tick: str | None = None         # a checkbox (description regex) ticked before measuring


@dataclass(frozen=True)
class Scenario:
    name: str
    setup: str                      # code that binds ``dash`` to a displayed dashboard
    headless: str                   # the same dashboard, never drawn (for the kernel-side column)
    inputs: tuple


SCENARIOS = (
    Scenario("tour", "from rfexplore.dashboards import TourDashboard\ndash = TourDashboard()",
             "from rfexplore.dashboards import TourDashboard\ndash = TourDashboard(headless=True)", (
                 Input("width: drag 25 px", r"^width r", "drag",
                       kernel="dash.set_config(width=310 if dash.config.width == 300 else 300)"),
                 Input("width: arrow key", r"^width r", "key",
                       kernel="dash.set_config(width=301 if dash.config.width == 300 else 300)"),
                 Input("d: one step (arrow key)", r"^input dimension d", "key",
                       kernel="dash.set_config(d=41 if dash.config.d == 40 else 40)"),
                 Input("budget: one step (arrow key)", r"^budget M", "key", tick=r"limit weight magnitude",
                       kernel="dash.set_config(magnitude=11.2 if dash.config.magnitude == 10.0 else 10.0)"),
                 Input("Play (frames/s)", r"Play", "play"),
             )),
    # the budget fit at wider widths (issue 13: a budget move at every width up to the pool size); the key goes
    # one way, so that every step is a budget not fitted before (back and forth would find the fits cached)
    *(Scenario(f"tour r={w}", f"from rfexplore.dashboards import TourConfig, TourDashboard\n"
                              f"dash = TourDashboard(TourConfig(width={w}))",
               f"from rfexplore.dashboards import TourConfig, TourDashboard\n"
               f"dash = TourDashboard(TourConfig(width={w}, magnitude=10.0), headless=True)", (
                   Input(f"budget at r={w}: new M each step", r"^budget M", "key", tick=r"limit weight magnitude",
                         keys=("ArrowRight",), kernel="dash.set_config(magnitude=dash.config.magnitude * 1.122)"),
               )) for w in (300, 1000, 4096)),
    Scenario("limitation (04)",
             "from rfexplore.dashboards import limitation_dashboard\ndash = limitation_dashboard()",
             "from rfexplore.dashboards import limitation_dashboard\ndash = limitation_dashboard(static=True)", (
                 Input("width: arrow key", r"^width r", "key"),
                 Input("accuracy: arrow key (menu)", r"^accuracy", "key", keys=("ArrowDown", "ArrowUp")),
             )),
    Scenario("staircase (05)",
             "from rfexplore.dashboards import staircase_dashboard\ndash = staircase_dashboard()",
             "from rfexplore.dashboards import staircase_dashboard\ndash = staircase_dashboard(static=True)", (
                 Input("d: arrow key", r"^d$", "key"),
             )),
    Scenario("neuron (06)",
             "from rfexplore.dashboards import neuron_dashboard\ndash = neuron_dashboard()",
             "from rfexplore.dashboards import neuron_dashboard\ndash = neuron_dashboard(static=True)", (
                 Input("d: arrow key", r"^dimension d", "key"),
                 Input("lr: arrow key", r"^step size", "key"),
             )),
)

# Installed once per page: a signature of everything the figures draw (a marker's position is its `transform`,
# its `d` is only its shape), and the time of the last input.
_INSTALL_JS = """() => {
    if (window.__rfx) return;
    const sig = () => [...document.querySelectorAll('.js-plotly-plot')].map(el =>
        [...el.querySelectorAll('.scatterlayer path, .scatterlayer .point, .barlayer path, .infolayer text')]
            .map(p => (p.getAttribute('d') || '') + '@' + (p.getAttribute('transform') || '') + '@'
                      + (p.tagName === 'text' ? p.textContent : '')).join('|')).join('#');
    window.__rfx = {sig, t0: null};
    const mark = e => { if (window.__rfx.t0 === null) window.__rfx.t0 = performance.now(); };
    document.addEventListener('keydown', mark, true);
    document.addEventListener('pointermove', e => { if (e.buttons) mark(e); }, true);
}"""

# Arms a measurement: resolves with [ms from the input to the first frame whose figures differ, ms to the last
# frame that changed before QUIET ms without a change] (or null).
_ARM_JS = """(timeoutMs) => { window.__rfx.p = new Promise(resolve => {
    const QUIET = 1000;
    const r = window.__rfx; r.t0 = null; let last = r.sig(); const start = performance.now();
    let first = null, latest = null;
    const tick = () => {
        const now = performance.now(), s = r.sig();
        if (r.t0 !== null && s !== last) { last = s; latest = now - r.t0; if (first === null) first = latest; }
        if (first !== null && now - r.t0 - latest > QUIET) return resolve([first, latest]);
        if (now - start > timeoutMs) return resolve(first === null ? null : [first, latest]);
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
}); }"""

# Resolves once the figures have not changed for ``quietMs`` (an earlier input's redraw has landed).
_SETTLE_JS = """([quietMs, maxMs]) => new Promise(resolve => {
    const r = window.__rfx; let last = r.sig(), since = performance.now(); const start = since;
    const tick = () => {
        const now = performance.now(), s = r.sig();
        if (s !== last) { last = s; since = now; }
        if (now - since > quietMs || now - start > maxMs) return resolve(now - start);
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
})"""

# Frames per second in which the figures changed, over ``ms`` milliseconds.
_FPS_JS = """(ms) => new Promise(resolve => {
    const r = window.__rfx; let last = r.sig(), changed = 0; const start = performance.now();
    const tick = () => {
        const s = r.sig(); if (s !== last) { changed++; last = s; }
        if (performance.now() - start > ms) return resolve(changed / (ms / 1000));
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
})"""


def _notebook(path: Path, setup: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(setup + "\ndash")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def _control(page, label):
    """The slider (or Play widget) whose description matches ``label``."""
    for sel in (".widget-slider", ".widget-play", ".jupyter-widgets.widget-inline-hbox"):
        loc = page.locator(sel)
        for i in range(loc.count()):
            el = loc.nth(i)
            desc = el.locator(".widget-label").first
            text = desc.inner_text().strip() if desc.count() else ""
            if re.search(label, text) or (sel == ".widget-play" and label == "Play"):
                return el
    raise RuntimeError(f"no control labelled {label!r} on the page")


def _tick(page, label):
    """Tick the checkbox whose description matches ``label`` (if not ticked) and let the page settle."""
    boxes = page.locator(".widget-checkbox")
    for i in range(boxes.count()):
        box = boxes.nth(i)
        if re.search(label, box.inner_text()):
            inp = box.locator("input[type=checkbox]")
            if not inp.is_checked():
                page.evaluate(_ARM_JS, 120_000)
                inp.check()
                page.evaluate("() => window.__rfx.p")
                page.wait_for_timeout(1000)
            return
    raise RuntimeError(f"no checkbox labelled {label!r} on the page")


def _measure(page, inp: Input, repeat: int, timeout_ms: int = 30_000):
    if inp.tick:
        _tick(page, inp.tick)
    ctl = _control(page, inp.label)
    if inp.kind == "play":
        ctl.locator("button").first.click()
        fps = page.evaluate(_FPS_JS, 4000)
        ctl.locator("button").nth(1).click()          # pause
        page.wait_for_timeout(1500)
        return [(fps, fps)]
    menu = ctl.locator("select")
    handle = menu.first if menu.count() else ctl.locator(".noUi-handle").first    # a dropdown: its <select>
    handle.scroll_into_view_if_needed()
    out = []
    for i in range(repeat):
        page.evaluate(_SETTLE_JS, [1000, timeout_ms])       # the previous input's redraw has landed
        page.evaluate(_ARM_JS, timeout_ms)
        if inp.kind == "key":
            handle.focus()
            page.keyboard.press(inp.keys[i % len(inp.keys)])
        else:
            box = handle.bounding_box()
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.mouse.move(x, y)
            page.mouse.down()
            dx = inp.pixels if i % 2 == 0 else -inp.pixels
            page.mouse.move(x + dx, y, steps=5)
            page.mouse.up()
        ms = page.evaluate("() => window.__rfx.p")
        out.append((float("nan"), float("nan")) if ms is None else tuple(ms))
    return out


def _kernel_times(scenario: Scenario, repeat: int):
    """Kernel-side seconds of each input's ``kernel`` expression on a headless copy (in this process)."""
    ns: dict = {}
    exec(scenario.headless, ns)
    out = {}
    for inp in scenario.inputs:
        if not inp.kernel:
            continue
        eval(compile(inp.kernel, "<kernel>", "exec"), ns)          # warm up
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            eval(compile(inp.kernel, "<kernel>", "exec"), ns)
            times.append(time.perf_counter() - t0)
        out[inp.name] = 1e3 * statistics.median(times)
    return out


def _open(page, host, server, path):
    page.evaluate("() => 0")
    if host == "lab":
        harness.run_in_lab(page, server, path)
    else:
        page.goto(server.url, timeout=300_000)
        harness._wait_for_voila(page, "voila", 300)
    harness.check_outputs(page, f"{host} {path.name}")
    page.evaluate(_INSTALL_JS)


def run(hosts, only, repeat):
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        tmp = Path(tmp)
        browser = p.chromium.launch(executable_path=harness.CHROMIUM, args=harness.CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        lab = harness.start_lab(tmp, tmp / "lab") if "lab" in hosts else None
        try:
            for sc in SCENARIOS:
                if only and not any(o in sc.name for o in only):
                    continue
                path = tmp / f"bench_{re.sub(r'[^A-Za-z0-9]+', '_', sc.name).strip('_')}.ipynb"
                _notebook(path, sc.setup)
                kernel = _kernel_times(sc, max(3, repeat // 2))
                for host in hosts:
                    if host == "voila":
                        (tmp / f"voila-{path.stem}").mkdir(exist_ok=True)
                    server = lab if host == "lab" else harness.start_voila(path, tmp / f"voila-{path.stem}")
                    page = context.new_page()
                    page.set_default_timeout(120_000)
                    try:
                        _open(page, host, server, path)
                        for inp in sc.inputs:
                            vals = np.array(_measure(page, inp, repeat))
                            rows.append((host, sc.name, inp, vals, kernel.get(inp.name)))
                            _print_row(rows[-1])
                    finally:
                        page.close()
                        if host == "lab":
                            harness.shutdown_sessions(lab)
                        else:
                            harness.stop_server(server)
        finally:
            if lab is not None:
                harness.stop_server(lab)
            browser.close()
    return rows


def _print_row(row):
    host, name, inp, vals, kernel = row
    ok = vals[np.isfinite(vals[:, 0])]
    k = "" if kernel is None else f"{kernel:8.1f}"
    if inp.kind == "play":
        print(f"| {host:<5} | {name:<16} | {inp.name:<30} | {ok[0, 0]:7.1f} fps |          |       |          |"
              f"  {k:>8} |", flush=True)
        return

    def ms(x):
        return f"{x:7.0f} ms" if np.isfinite(x) else "    n/a   "
    med, p90 = (ms(np.median(ok[:, 0])), ms(np.percentile(ok[:, 0], 90))) if len(ok) else (ms(np.nan),) * 2
    settled = ms(np.median(ok[:, 1])) if len(ok) else ms(np.nan)
    miss = len(vals) - len(ok)
    print(f"| {host:<5} | {name:<16} | {inp.name:<30} | {med} | {p90} | {miss:>2}/{len(vals):<2} | {settled} |"
          f"  {k:>8} |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=12, help="inputs per row (default 12)")
    ap.add_argument("--hosts", default="lab,voila", help="comma-separated: lab, voila")
    ap.add_argument("--only", default="", help="comma-separated scenario name parts (tour, limitation, ...)")
    ap.add_argument("--checkout", default=None, help="benchmark the rfexplore of this checkout instead")
    args = ap.parse_args()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        print("bench_browser: skipped, the playwright package is not installed")
        return
    if not os.access(harness.CHROMIUM, os.X_OK):
        print(f"bench_browser: skipped, no chromium at {harness.CHROMIUM} (Debian: apt-get install chromium)")
        return
    if args.checkout:
        root = str(Path(args.checkout).resolve())
        os.environ["PYTHONPATH"] = root + os.pathsep + os.environ.get("PYTHONPATH", "")
        sys.path.insert(0, root)
        for mod in [m for m in sys.modules if m == "rfexplore" or m.startswith("rfexplore.")]:
            del sys.modules[mod]
    import rfexplore

    print(f"rfexplore from {Path(rfexplore.__file__).parent}; {os.cpu_count()} cpus")
    print("| host  | dashboard        | input                          |  median    |  p90       | miss  | settled    |"
          " kernel ms |")
    print("|-------|------------------|--------------------------------|------------|------------|-------|------------|"
          "-----------|")
    hosts = [h for h in args.hosts.split(",") if h]
    only = [o for o in args.only.split(",") if o]
    run(hosts, only, args.repeat)
    print("median/p90: input event to the first animation frame whose figures differ; miss: inputs after "
          "which no figure changed within 30 s; settled: median to the last frame that changed before a second "
          "without change; kernel: the same change on a headless copy, median ms.")


if __name__ == "__main__":
    main()

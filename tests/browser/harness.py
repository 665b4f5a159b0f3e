"""Real-browser checks of notebooks and dashboards: JupyterLab and Voila servers started and stopped by
process id, and page checks that raise `CheckFailed` naming what went wrong.

The checks are plain functions of a Playwright `Page`, so the same code judges the project's notebooks
and the deliberately broken fixtures in `fixtures/` (which prove the checks can fail)."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHROMIUM = os.environ.get("RFEXPLORE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
# The notebooks to check; its 00_tour.ipynb is the app page (`make app`). Another directory: set the variable.
NOTEBOOK_DIR = Path(os.environ.get("RFEXPLORE_BROWSER_NOTEBOOKS", REPO / "notebooks")).resolve()
APP_NOTEBOOK = NOTEBOOK_DIR / "00_tour.ipynb"
RUN_TIMEOUT_S = float(os.environ.get("RFEXPLORE_BROWSER_RUN_TIMEOUT", 300))
UPDATE_TIMEOUT_S = float(os.environ.get("RFEXPLORE_BROWSER_UPDATE_TIMEOUT", 90))
SETTLE_S = 20  # for figures drawn by widget views after the kernel went idle

# Console errors that are noise, not faults: (regular expression searched in the message, which carries
# the resource URL or the stack, and why it is benign). Anything else fails the test.
BENIGN_CONSOLE = [
    (r"favicon\.ico", "the browser asks for a favicon the server does not have"),
    (r"ERR_NAME_NOT_RESOLVED.*cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free",
     "Voila's page template links Font Awesome icons from a CDN; offline (CI) only the icons are missing"),
    (r"setData is not a function(.|\n)*labextensions/jupyterlab-plotly/",
     "after drawing a plain plotly figure, jupyterlab-plotly writes a PNG snapshot back into the output "
     "model, which Voila keeps read-only; the figure itself is drawn (checked separately)"),
    (r"ERR_NAME_NOT_RESOLVED.*cdnjs\.cloudflare\.com/ajax/libs/(require\.js|mathjax)/",
     "nbconvert's HTML pages (make html) link require.js and MathJax from a CDN; offline only LaTeX "
     "stays unrendered, the figures carry their own plotly.js"),
]

# JupyterLab user settings for a hermetic, side-effect-free run (written into a temp settings dir).
LAB_SETTINGS = {
    # Never write the executed notebook (outputs, widget state) back into the repository.
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    # Attach every cell to the DOM, so figures below the fold are drawn and can be inspected.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # No requests to the internet (CI has none; a failed fetch would be a console error).
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


class CheckFailed(AssertionError):
    """A notebook or dashboard did not behave in the browser; the message says what and where."""


# ---------------------------------------------------------------- servers


@dataclass
class Server:
    """A server process in its own process group, with its log file."""

    proc: subprocess.Popen
    url: str
    log: Path
    root: Path | None = None  # JupyterLab's root_dir

    def log_tail(self, n=40):
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _root_flag():
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def start_server(argv, *, url, ready_url, log, env=None, timeout=120):
    """Start `argv` in a new process group, wait until `ready_url` answers HTTP, return a `Server`."""
    log_file = open(log, "w")
    proc = subprocess.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, **(env or {})}, cwd=REPO)
    log_file.close()
    server = Server(proc, url, Path(log))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{argv[2]} exited with {proc.returncode}:\n{server.log_tail()}")
        try:
            urllib.request.urlopen(ready_url, timeout=5).close()
            return server
        except urllib.error.HTTPError:  # any HTTP answer, even 404, means the server is up
            return server
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise RuntimeError(f"{argv[2]} did not answer {ready_url} within {timeout} s:\n{server.log_tail()}")


def _cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None


def _children(pid):
    """{child id: its command line} for the direct children of `pid` (Linux /proc; empty elsewhere)."""
    kids = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            kids[int(stat.parent.name)] = _cmdline(stat.parent.name)
    return kids


def stop_server(server, grace=15):
    """Stop the server by process id: TERM its process group (it shuts its kernels down), then KILL the
    group and any kernel left over (kernels run in sessions of their own, so they are found as children
    beforehand, and killed only if the id still runs the same command)."""
    kernels = _children(server.proc.pid)
    if server.proc.poll() is None:
        try:
            os.killpg(server.proc.pid, signal.SIGTERM)
            server.proc.wait(timeout=grace)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            pass
    try:
        os.killpg(server.proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for pid, cmdline in kernels.items():
        if cmdline is not None and _cmdline(pid) == cmdline:
            os.kill(pid, signal.SIGKILL)
    server.proc.wait(timeout=grace)


def write_lab_settings(settings_dir):
    for plugin, values in LAB_SETTINGS.items():
        path = Path(settings_dir) / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def start_lab(root_dir, tmp_dir):
    """JupyterLab, token-less on a free local port, with temp settings and workspaces."""
    tmp_dir = Path(tmp_dir)
    write_lab_settings(tmp_dir / "settings")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
        "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
        f"--ServerApp.root_dir={root_dir}", f"--LabApp.user_settings_dir={tmp_dir / 'settings'}",
        f"--LabApp.workspaces_dir={tmp_dir / 'workspaces'}", "--LabApp.expose_app_in_browser=True",
        *_root_flag(),
    ]
    env = {"JUPYTER_RUNTIME_DIR": str(tmp_dir / "runtime")}
    server = start_server(argv, url=url, ready_url=f"{url}/api/status", log=tmp_dir / "lab.log", env=env)
    server.root = Path(root_dir)
    return server


def start_voila(notebook, tmp_dir):
    """Voila serving one notebook, as `make app` does, on a free local port, tracebacks shown."""
    tmp_dir = Path(tmp_dir)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", "--show_tracebacks=True"]
    env = {"JUPYTER_RUNTIME_DIR": str(tmp_dir / "runtime")}
    # Voila executes the notebook per page request: ready is any answer that does not start a kernel.
    return start_server(argv, url=url, ready_url=f"{url}/voila/static/", log=tmp_dir / "voila.log", env=env)


def shutdown_sessions(server):
    """Shut down every kernel session of a JupyterLab server (between notebooks)."""
    with urllib.request.urlopen(f"{server.url}/api/sessions", timeout=10) as response:
        sessions = json.load(response)
    for session in sessions:
        request = urllib.request.Request(f"{server.url}/api/sessions/{session['id']}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


# ---------------------------------------------------------------- console


@dataclass
class Console:
    """Console errors and uncaught page errors of one page, minus the listed benign noise."""

    errors: list = field(default_factory=list)

    def attach(self, page):
        page.on("console", lambda msg: msg.type == "error"
                and self._add(f"console: {msg.text} ({msg.location.get('url', '')})"))
        page.on("pageerror", lambda exc: self._add(f"page error: {exc.stack or exc}"))
        return self

    def _add(self, text):
        if not any(re.search(noise, text) for noise, _ in BENIGN_CONSOLE):
            self.errors.append(text)

    def check(self, where):
        if self.errors:
            raise CheckFailed(f"{where}: browser console errors:\n" + "\n".join(self.errors))


# ---------------------------------------------------------------- page checks

# Trace data of every plotly figure on the page, JSON-ready (typed arrays turned into lists), and the
# number of data points drawn: array lengths as plotly.js resolved them (`_fullData`, where base64
# `{dtype, bdata}` arrays are decoded), else as given.
_FIGURES_JS = """() => {
    const ATTRS = ['x', 'y', 'z', 'values', 'r', 'lat', 'a'];
    const size = v => v == null ? 0 : (v.length ?? (v.bdata ? (v.shape ? String(v.shape).split(',')
        .reduce((a, b) => a * Number(b), 1) : 1) : 0));
    const points = traces => (traces || []).map(t => Math.max(0, ...ATTRS.map(a => size(t[a]))))
        .reduce((a, b) => a + b, 0);
    return [...document.querySelectorAll('.js-plotly-plot')].map(el => ({
        svg: !!el.querySelector('.main-svg'),
        traces: JSON.stringify(el.data || [], (k, v) => ArrayBuffer.isView(v) ? Array.from(v) : v),
        points: Math.max(points(el._fullData), points(el.data)),
    }));
}"""

# The current notebook's kernel, as `connectionStatus:status` (window.jupyterapp: expose_app_in_browser).
# The toolbar's execution indicator reads "idle" before any kernel is connected, so it cannot tell.
_KERNEL_JS = """async () => {
    const panel = window.jupyterapp?.shell.currentWidget;
    if (!panel?.sessionContext) return 'no notebook';
    await panel.sessionContext.ready;
    const kernel = panel.sessionContext.session?.kernel;
    return kernel ? `${kernel.connectionStatus}:${kernel.status}` : 'no kernel';
}"""

# A code cell with source, and its execution prompt (`[ ]:`, `[*]:`, `[3]:`).
_PROMPTS_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')]
    .filter(c => (c.querySelector('.cm-content')?.textContent || '').trim() !== '')
    .map(c => c.querySelector('.jp-InputPrompt')?.textContent.trim() || '')"""


def figures(page):
    return page.evaluate(_FIGURES_JS)


# An error output: a traceback, or an exception line (IPython shows a SyntaxError without "Traceback").
# Warnings on stderr are not errors.
_ERROR = re.compile(r"Traceback \(most recent call last\)|^\s*\w*(Error|Exception|KeyboardInterrupt)\b(:|$)", re.M)


def error_outputs(page):
    """Texts of stderr/error outputs holding a traceback or an exception."""
    texts = page.eval_on_selector_all(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
        "els => els.map(el => el.innerText)")
    return [t for t in texts if _ERROR.search(t)]


def check_outputs(page, where):
    """No tracebacks, every plotly figure drawn with data, every widget displayed; returns figures."""
    errors = error_outputs(page)
    if errors:
        shown = "\n---\n".join(e[-2000:] for e in errors)
        raise CheckFailed(f"{where}: {len(errors)} error output(s):\n{shown}")
    broken_widgets = page.eval_on_selector_all(
        '[data-mime-type="application/vnd.jupyter.widget-view+json"]',
        "els => els.filter(el => /Error displaying widget|Loading widget/.test(el.innerText))"
        ".map(el => el.innerText.slice(0, 300))")
    if broken_widgets:
        raise CheckFailed(f"{where}: widgets not displayed: {broken_widgets}")
    missing = page.eval_on_selector_all(
        '[data-mime-type="application/vnd.plotly.v1+json"]',
        "els => els.filter(el => !el.querySelector('.js-plotly-plot .main-svg')).length")
    if missing:
        raise CheckFailed(f"{where}: {missing} plotly output(s) were not drawn")
    # Widget views draw after the kernel is idle: give figures a moment to receive their traces.
    deadline = time.monotonic() + SETTLE_S
    while True:
        figs = figures(page)
        empty = [i for i, f in enumerate(figs) if not f["svg"] or f["points"] == 0]
        waiting = page.eval_on_selector_all(      # rfexplore figure views not drawn yet (plotly.js loading)
            ".rfx-figure", "els => els.filter(el => !el.querySelector('.js-plotly-plot .main-svg')).length")
        if not empty and not waiting:
            return figs
        if time.monotonic() > deadline:
            if waiting and not empty:
                raise CheckFailed(f"{where}: {waiting} figure view(s) not drawn after {SETTLE_S:.0f} s")
            shown = "\n".join(f"  {i}: {figs[i]['traces'][:300]}" for i in empty)
            raise CheckFailed(f"{where}: plotly figure(s) {empty} (of {len(figs)}) drawn without data "
                              f"traces after {SETTLE_S:.0f} s:\n{shown}")
        page.wait_for_timeout(500)


def _move_slider(page, slider, where, max_presses=60):
    """Move a slider by keyboard (focus its handle, arrow keys) until its shown value changes: its readout
    where it has one, else the handle's aria value. Goes left from the maximum. Returns (before, after)."""
    handle = slider.locator(".noUi-handle").first
    readout = slider.locator(".widget-readout").first

    def shown():
        if readout.count() and readout.is_visible():
            return readout.inner_text().strip()
        return handle.get_attribute("aria-valuetext")

    before = shown()
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(max_presses):
        page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
        if shown() != before:
            return before, shown()
    raise CheckFailed(f"{where}: the slider's value did not change after {max_presses} arrow-key presses")


def enabled_sliders(dashboard):
    """The dashboard's sliders that can be moved (a control that does not matter now, or is turned off by its
    box, is disabled: ipywidgets 8 marks its noUi target)."""
    sliders = dashboard.locator(".widget-slider")
    return [sliders.nth(j) for j in range(sliders.count())
            if sliders.nth(j).locator(".noUi-target[disabled], .noUi-handle[disabled]").count() == 0]


def first_enabled_slider(dashboard):
    """The dashboard's first slider that can be moved."""
    sliders = enabled_sliders(dashboard)
    if not sliders:
        raise CheckFailed("the dashboard has no enabled slider")
    return sliders[0]


def check_dashboards(page, where, *, timeout=None):
    """For each output holding sliders (a dashboard): move its first slider by keyboard and require that
    some figure's trace data and some readout text (labels/HTML other than the slider's own) change.
    Returns the number of dashboards checked."""
    timeout = UPDATE_TIMEOUT_S if timeout is None else timeout
    dashboards = page.locator(".jp-OutputArea-output").filter(has=page.locator(".widget-slider"))
    count = dashboards.count()
    for i in range(count):
        dashboard = dashboards.nth(i)
        slider = first_enabled_slider(dashboard)
        readouts = dashboard.locator(".widget-label, .widget-html-content, .widget-readout")
        own = slider.locator(".widget-label, .widget-readout")
        own_texts = own.evaluate_all("els => els.map(e => e.innerText.trim())")
        before_texts = readouts.evaluate_all("els => els.map(e => e.innerText.trim())")
        before_figs = [f["traces"] for f in figures(page)]
        before_value, after_value = _move_slider(page, slider, f"{where}: dashboard {i}")
        label = f"{where}: dashboard {i} (slider {before_value} -> {after_value})"
        deadline = time.monotonic() + timeout
        while True:
            figs_now = [f["traces"] for f in figures(page)]
            texts_now = readouts.evaluate_all("els => els.map(e => e.innerText.trim())")
            fig_changed = figs_now != before_figs
            changed_texts = set(texts_now) - set(before_texts) - set(own_texts)
            own_now = own.evaluate_all("els => els.map(e => e.innerText.trim())")
            text_changed = bool(changed_texts - set(own_now))
            if fig_changed and text_changed:
                break
            if time.monotonic() > deadline:
                what = [w for w, ok in (("no figure's trace data changed", fig_changed),
                                        ("no readout text changed", text_changed)) if not ok]
                raise CheckFailed(f"{label}: after {timeout:.0f} s {' and '.join(what)}")
            page.wait_for_timeout(250)
        check_outputs(page, label)
    return count


@dataclass
class Report:
    figures: int
    dashboards: int
    screenshot: Path


def _wait_for_kernel(page, where, timeout):
    deadline = time.monotonic() + timeout
    while (state := page.evaluate(_KERNEL_JS)) != "connected:idle":
        if time.monotonic() > deadline:
            raise CheckFailed(f"{where}: kernel not connected and idle within {timeout:.0f} s ({state})")
        page.wait_for_timeout(250)


def _wait_for_run(page, where, timeout):
    """After Run All: wait until no cell is queued or running and the kernel is idle; then every cell
    with code must have run, unless a cell failed (the error output is reported by `check_outputs`)."""
    deadline = time.monotonic() + timeout
    while True:
        prompts = page.evaluate(_PROMPTS_JS)
        if not any("*" in p for p in prompts) and page.evaluate(_KERNEL_JS) == "connected:idle":
            break
        if time.monotonic() > deadline:
            raise CheckFailed(f"{where}: Run All did not finish within {timeout:.0f} s (prompts {prompts})")
        page.wait_for_timeout(250)
    not_run = [i for i, p in enumerate(prompts) if not any(ch.isdigit() for ch in p)]
    if not_run and not error_outputs(page):
        raise CheckFailed(f"{where}: code cells {not_run} never ran, and no cell reported an error "
                          f"(kernel restarted or died?): prompts {prompts}")


def run_in_lab(page, server, notebook, *, timeout=RUN_TIMEOUT_S):
    """Open `notebook` in JupyterLab, Run All Cells from the Run menu, wait until the kernel is idle."""
    rel = Path(notebook).resolve().relative_to(server.root).as_posix()
    page.goto(f"{server.url}/lab/tree/{rel}?reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    _wait_for_kernel(page, notebook.name, 120)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    # Run All marks every code cell queued ([*]) at once; a short wait lets the prompts show that.
    page.wait_for_function("() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
                           ".some(p => /[*0-9]/.test(p.textContent))", timeout=30_000)
    _wait_for_run(page, notebook.name, timeout)


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def check_notebook_in_lab(page, console, server, notebook):
    """Run All in JupyterLab, then: no error outputs, no console errors, every figure drawn, every
    dashboard answers its first slider. The notebook file itself must stay as it was."""
    original = Path(notebook).read_bytes()
    try:
        run_in_lab(page, server, notebook)
        figs = check_outputs(page, notebook.name)
        dashboards = check_dashboards(page, notebook.name)
        console.check(notebook.name)
    finally:
        shot = screenshot(page, f"lab-{Path(notebook).stem}")
    if Path(notebook).read_bytes() != original:
        raise CheckFailed(f"{notebook}: the browser run changed the file (autosave?): restore it with git")
    return Report(len(figs), dashboards, shot)


def _wait_for_voila(page, where, timeout):
    """Voila shows `#loading` until the notebook has run; widgets then render client-side, so wait
    until the drawn figures and sliders stop changing for a second."""
    page.wait_for_selector("#loading", state="hidden", timeout=timeout * 1000)
    count_js = ("() => [document.querySelectorAll('.js-plotly-plot .main-svg').length,"
                " document.querySelectorAll('.widget-slider').length]")
    deadline = time.monotonic() + timeout
    last = None
    while (now := page.evaluate(count_js)) != last or now[0] == 0:
        if time.monotonic() > deadline:
            raise CheckFailed(f"{where}: no settled first render within {timeout:.0f} s "
                              f"(figures drawn, sliders: {now})")
        last = now
        page.wait_for_timeout(1000)


def check_app_in_voila(page, console, server, name, *, timeout=RUN_TIMEOUT_S):
    """The Voila page's first render has its figures; each dashboard answers its first slider."""
    where = f"voila {name}"
    try:
        try:
            page.goto(server.url, timeout=timeout * 1000)
        except Exception as exc:        # playwright's TimeoutError: say how far Voila's execution got
            if "Timeout" not in type(exc).__name__:
                raise
            cells = page.evaluate("() => [...document.querySelectorAll('[cell-index]')]"
                                  ".map(e => e.getAttribute('cell-index'))")
            raise CheckFailed(f"{where}: the page did not finish loading within {timeout:.0f} s; Voila was "
                              f"still executing the notebook after cell {cells[-1] if cells else 'none'} "
                              f"(log: {server.log})") from None
        _wait_for_voila(page, where, timeout)
        figs = check_outputs(page, where)
        dashboards = check_dashboards(page, where)
        console.check(where)
    finally:
        shot = screenshot(page, f"voila-{name}")
    return Report(len(figs), dashboards, shot)

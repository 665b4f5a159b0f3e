"""Voila's configuration for `make app`: the tour served to a class.

Voila reads this file as its config (``voila --Voila.config_file_paths=.ci/app``, which is what
`make app` runs); the tests and ``benchmarks/bench_class.py`` start the server the same way, and import
this file only for :func:`cull_reason` and :data:`SETTINGS`.

What it sets, and why (measured numbers: README, "Serving a class"):

* **Preheated kernels.** ``POOL`` kernels (``make app POOL=N``; default 2) start with the server and run
  the notebook before anyone asks; a page request takes one and gets the already-computed page, and Voila
  starts a replacement ``fill_delay`` seconds later, once arriving pages are drawn (``refill_quiet``) and
  the machine's CPUs are no longer busy with them (``refill_busy_cpu``).
  Executing the tour costs about 15 CPU-seconds (importing torch, building the pool of features, the
  check cells), so on 2 cores ten students arriving at once would otherwise wait for 150 CPU-seconds.
  A kernel leaves the pool for one page only: students never share a kernel. A pooled kernel ran the
  notebook before any request, so the request's ``QUERY_STRING`` is not in its environment: the tour
  reads the page's lesson link with ``Explorer.from_page()`` (rfexplore/dashboards/_page.py), which waits
  for Voila's request details in a thread, so the notebook still runs to the end in the pool.
* **A closed tab's kernel goes at once.** Voila's page asks the server to shut its kernel down when the
  tab closes or reloads (a ``sendBeacon`` POST on ``beforeunload``), but Voila 0.5 never sets the
  ``_xsrf`` cookie that POST must carry, so it fails with 403 and every closed page left its kernel
  running (voila-dashboards/voila#1458, open). :func:`track_pages` makes the page's response set that
  cookie.
* **Culling.** A crashed tab, a laptop lid or a lost network sends nothing, and a page closed while it
  was still loading has not registered its request yet. So :class:`ClassKernelManager` culls, every
  ``cull_interval`` seconds, a kernel that is not busy and (see :func:`cull_reason`)
    - had its page connected, has none now, and saw no activity for ``cull_idle_timeout`` s (page closed);
    - never had its page connected, and for ``page_connect_timeout`` s no page was being sent nor asked
      the server for anything (closed while loading: on a busy machine a page needs more than a minute
      between its HTML and its connection, so the time is counted from the last request any page made;
      during a stream of arrivals this case waits; a kernel handed out from the pool has no recent
      activity of its own, and Voila can leave a pooled kernel idle in the middle of its notebook: seen here under load,
      a render stuck waiting for a cell's reply, as in voila-dashboards/voila#1428);
    - has its page open but saw no activity for ``connected_idle_timeout`` s (a tab left open for hours).
  Pooled kernels waiting for a student are never culled (Voila's own rule), but one whose run of the
  notebook stopped halfway is replaced (``render_stall_timeout``; see ``_watch_pool_renders``).
* **One thread per kernel** (``OMP_NUM_THREADS=1`` unless set): many kernels share few cores; a kernel
  with two threads on a busy 2-core machine only adds contention. And glibc's fixed mmap threshold
  (``MALLOC_MMAP_THRESHOLD_``): large freed arrays go back to the system.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from datetime import datetime, timezone

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float, Integer

# The settings `make app` serves with; each is a traitlets option, so `voila ... --Class.name=value` on the
# command line overrides it (`make app ARGS=...`).
SETTINGS = {
    # extension_denylist: the page loads no JupyterLab extension it does not use. The tour draws its figures
    # with rfexplore's own figure view (which brings plotly.js itself); jupyterlab-plotly renders plotly's
    # mime outputs, which the app page has none of, yet every page fetched and parsed its 4.8 MB chunk
    # (measured: 10.3 -> 5.4 MB of scripts and styles per page, about 1 CPU-second less in the browser).
    # The Lab preview and pygments extensions serve JupyterLab, not this page.
    "VoilaConfiguration": {"preheat_kernel": True, "default_pool_size": 2,
                           "extension_denylist": ["jupyterlab-plotly", "@voila-dashboards/jupyterlab-preview",
                                                  "jupyterlab_pygments"]},
    # Refill the pool 5 s after a kernel leaves it, and then only once the arriving pages have connected
    # and gone quiet (ClassKernelManager.refill_quiet) and the CPUs are less than half busy (refill_busy_cpu):
    # a class arriving at once gets its pages drawn before the replacements start computing.
    "VoilaKernelManager": {"fill_delay": 5.0},
    "MappingKernelManager": {"cull_idle_timeout": 40, "cull_interval": 5, "cull_connected": False,
                             "cull_busy": False},
    "ClassKernelManager": {"page_connect_timeout": 45, "connected_idle_timeout": 3 * 3600,
                           "render_stall_timeout": 60, "refill_quiet": 15,
                           "refill_max_wait": 180, "refill_busy_cpu": 0.5},
}
# Kernels' environment (unless already set): one thread each; glibc returns freed blocks over 128 kB to
# the system instead of keeping them (measured: about 20 MB less resident per tour kernel, same CPU time).
KERNEL_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MALLOC_MMAP_THRESHOLD_": "131072",
              "MALLOC_TRIM_THRESHOLD_": "131072"}


def cull_reason(*, busy, connections, ever_connected, idle_s, unclaimed_s, pages_loading,
                cull_idle_timeout, page_connect_timeout, connected_idle_timeout):
    """Why a kernel out of the pool should be shut down now, or None to keep it.

    ``idle_s``: seconds since the kernel's last message. For a kernel no page ever connected to,
    ``unclaimed_s``: seconds since the latest of its last message, the first time it was seen out of the
    pool and the last HTTP request a page made (a page file, a script, the kernel's model: a kernel does
    not know which page is its own, and a page loads for a while before it connects);
    ``pages_loading``: Voila is still sending a page, which may be this kernel's."""
    if busy:
        return None
    if connections > 0:
        if 0 < connected_idle_timeout < idle_s:
            return f"its page is open but nothing happened for {idle_s:.0f} s"
        return None
    if ever_connected:
        if idle_s > cull_idle_timeout:
            return f"its page closed (no connection, {idle_s:.0f} s without activity)"
        return None
    if not pages_loading and unclaimed_s is not None and unclaimed_s > page_connect_timeout:
        return f"its page never connected within {unclaimed_s:.0f} s"
    return None


def read_cpu_times():
    """(busy, total) jiffies of all the machine's CPUs so far (Linux ``/proc/stat``), or None elsewhere."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)      # idle + iowait
    total = sum(fields[:8])                                       # guest time is already in user
    return total - idle, total


def cpu_busy_fraction(before, after):
    """Fraction of the CPUs' time spent busy between two :func:`read_cpu_times` samples (None if unknown)."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def refill_wait_reason(*, arriving, handed_out, cpu_busy, cpu_known, refill_busy_cpu):
    """Why a kernel for the pool should wait one more second before it starts, or None to start it now.

    ``arriving``: a page handed a kernel recently has not connected or its kernel is not quiet yet;
    ``handed_out``: a kernel left the pool for a page within ``refill_max_wait`` s; ``cpu_busy``: the
    machine's CPUs' busy fraction over the last second (None: not measured yet); ``cpu_known``: the machine
    says it (Linux). Running the notebook costs a pooled kernel about 15 CPU-seconds: started while the
    arriving pages are still drawn it takes the cores they need (measured on 2 cores with the browsers on
    the same machine: the refill's kernels used a third of the CPU while ten pages loaded)."""
    if arriving:
        return "arriving pages"
    if handed_out and cpu_known and refill_busy_cpu < 1 and (cpu_busy is None or cpu_busy >= refill_busy_cpu):
        return "busy CPUs" if cpu_busy is None else f"busy CPUs ({100 * cpu_busy:.0f} %)"
    return None


class ClassKernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager with the culling rules of :func:`cull_reason`. Voila wraps it
    into its pooling manager, which keeps pooled kernels out of culling and calls this for the rest;
    :func:`track_pages` tells it when Voila starts and ends sending a page."""

    page_connect_timeout = Integer(45, config=True, help="""Seconds after which a kernel that Voila
        handed to a page, and whose page never connected, is shut down (the page closed while loading).""")
    connected_idle_timeout = Integer(0, config=True, help="""Seconds without activity after which a
        kernel is shut down even though its page is still open (0: never).""")
    refill_quiet = Integer(15, config=True, help="""A kernel for the pool starts only once every page
        Voila handed a kernel to in the last ``refill_max_wait`` s has connected to it and its kernel had
        no message for this many seconds (the arriving pages are drawn), or at once if a page waits for
        its HTML.""")
    refill_max_wait = Integer(180, config=True, help="""The longest a pool refill waits for pages.""")
    refill_busy_cpu = Float(0.5, config=True, help="""While a kernel left the pool for a page in the last
        ``refill_max_wait`` s, a kernel for the pool also waits until the machine's CPUs were less than this
        fraction busy over the last second: pages are still being drawn where their kernels, the server or
        (on the same machine) their browsers keep the CPUs busy. 1 or more: do not wait for the CPUs.""")
    render_stall_timeout = Integer(60, config=True, help="""Seconds a kernel may sit idle while Voila's
        run of the notebook in it is unfinished before it is replaced (0: never).""")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._ever_connected = set()
        self._first_unclaimed = {}
        self._pages_loading = 0
        self._renders = {}
        self._ready = set()
        self._out_since = {}
        self._last_page_sent = datetime.now(timezone.utc)

    async def start_kernel(self, *args, **kwargs):
        if (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True":    # a kernel for the pool
            await self._wait_for_quiet_pages()
        return await super().start_kernel(*args, **kwargs)

    def _arriving(self):
        """Kernels handed to a page in the last ``refill_max_wait`` s whose page is not drawn yet: it has
        not connected, or its kernel had messages in the last ``refill_quiet`` s (a page that connected
        still fetches its widgets' state, then draws)."""
        now, pooled = datetime.now(timezone.utc), self._pooled()
        arriving = []
        for kernel_id in list(self._kernels):
            kernel = self._kernels.get(kernel_id)
            if kernel is None or kernel_id in pooled or not hasattr(kernel, "last_activity"):
                continue
            since = self._out_since.setdefault(kernel_id, now)
            if (now - since).total_seconds() > self.refill_max_wait:
                continue
            quiet_s = (now - kernel.last_activity).total_seconds()
            if kernel_id not in self._ever_connected or quiet_s < self.refill_quiet:
                arriving.append(kernel_id)
        return arriving

    def _handed_out_recently(self):
        """A running kernel left the pool for a page in the last ``refill_max_wait`` s."""
        now = datetime.now(timezone.utc)
        return any((now - since).total_seconds() <= self.refill_max_wait
                   for kernel_id, since in self._out_since.items() if kernel_id in self._kernels)

    async def _wait_for_quiet_pages(self):
        """Hold a pool refill while arriving pages load (their browsers, and on a small server the other
        pages, need the cores; see :func:`refill_wait_reason`), but not when a page waits for its HTML (it
        may be waiting for this kernel), and not longer than ``refill_max_wait``."""
        waited, why, sample = 0, None, read_cpu_times()
        while waited < self.refill_max_wait and self._pages_loading == 0:
            now_sample = read_cpu_times()
            busy = cpu_busy_fraction(sample, now_sample) if waited else None
            sample = now_sample
            reason = refill_wait_reason(arriving=bool(self._arriving()), handed_out=self._handed_out_recently(),
                                        cpu_busy=busy, cpu_known=sample is not None,
                                        refill_busy_cpu=self.refill_busy_cpu)
            if reason is None:
                break
            why = reason
            await asyncio.sleep(1)
            waited += 1
        if waited:
            self.log.info("Pool refill started after waiting %d s (last for %s)", waited, why)

    def page_traffic(self):
        """A page asked for something (a file, the kernel's model): pages are still loading."""
        self._last_page_sent = datetime.now(timezone.utc)

    def page_started(self):
        self._pages_loading += 1
        self.log.debug("page started: %d page(s) being sent", self._pages_loading)

    def page_ended(self):
        self._pages_loading = max(0, self._pages_loading - 1)
        self._last_page_sent = datetime.now(timezone.utc)
        self.log.debug("page ended: %d page(s) being sent", self._pages_loading)

    async def cull_kernels(self):
        await super().cull_kernels()
        await self._watch_pool_renders()

    def _pooled(self):
        """{kernel id: (its notebook's render task, notebook name)} of the kernels now in Voila's pool."""
        found = {}
        for name, pool in getattr(self, "_pools", {}).items():
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    content = task.result()
                    found[content.get("kernel_id")] = (content.get("task"), name)
        return found

    async def _watch_pool_renders(self):
        """On each cull interval: log once when a pooled kernel has run the whole notebook ("Pooled kernel
        <id> is ready"; Voila logs only that the pool's kernels started), and replace a kernel whose run
        of the notebook stopped halfway: its render not finished, the kernel idle for
        ``render_stall_timeout`` s (seen under load: a cell's reply never reaches Voila, as in
        voila-dashboards/voila#1428; the page would spin for ever). A pooled one is shut down and the pool
        refilled; one already handed to a page is shut down, so that page ends with an error instead of
        spinning (the student reloads)."""
        pooled = self._pooled()
        for kernel_id, (render, name) in pooled.items():
            if render is not None and kernel_id not in self._ready:
                self._renders.setdefault(kernel_id, (render, name))
        now = datetime.now(timezone.utc)
        for kernel_id, (render, name) in list(self._renders.items()):
            kernel = self._kernels.get(kernel_id)
            if kernel is None:
                del self._renders[kernel_id]
                continue
            if render.done():
                del self._renders[kernel_id]
                self._ready.add(kernel_id)
                if kernel_id in pooled:
                    self.log.info("Pooled kernel %s is ready (notebook run)", kernel_id)
                continue
            idle_s = (now - kernel.last_activity).total_seconds()
            if kernel.execution_state not in ("busy", "starting") and idle_s > self.render_stall_timeout > 0:
                self.log.warning("Kernel %s stopped in the middle of the notebook (idle %.0f s, its run "
                                 "unfinished): shutting it down%s", kernel_id, idle_s,
                                 ", refilling the pool" if kernel_id in pooled else "")
                del self._renders[kernel_id]
                await self.shutdown_kernel(kernel_id)
                if kernel_id in pooled and hasattr(self, "fill_if_needed"):
                    self.fill_if_needed(delay=0, notebook_name=name)

    def notify_connect(self, kernel_id):
        super().notify_connect(kernel_id)
        self._ever_connected.add(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id):
        kernel = self._kernels.get(kernel_id)
        if kernel is None or not hasattr(kernel, "last_activity"):
            return
        if getattr(kernel, "execution_state", None) == "dead":
            return await super().cull_kernel_if_idle(kernel_id)     # jupyter_server culls dead kernels
        now = datetime.now(timezone.utc)
        idle_s = (now - kernel.last_activity).total_seconds()
        ever = kernel_id in self._ever_connected
        unclaimed_s = None
        if not ever:
            first = self._first_unclaimed.setdefault(kernel_id, now)
            unclaimed_s = min(idle_s, (now - first).total_seconds(), (now - self._last_page_sent).total_seconds())
        reason = cull_reason(
            busy=not self.cull_busy and kernel.execution_state == "busy",
            connections=self._kernel_connections.get(kernel_id, 0), ever_connected=ever, idle_s=idle_s,
            unclaimed_s=unclaimed_s, pages_loading=self._pages_loading > 0,
            cull_idle_timeout=self.cull_idle_timeout, page_connect_timeout=self.page_connect_timeout,
            connected_idle_timeout=self.connected_idle_timeout)
        if reason:
            self.log.warning("Culling kernel %s: %s", kernel_id, reason)
            await self.shutdown_kernel(kernel_id)

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        self._ever_connected.discard(kernel_id)
        self._first_unclaimed.pop(kernel_id, None)
        self._ready.discard(kernel_id)
        self._out_since.pop(kernel_id, None)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)


def track_pages():
    """Patch Voila's page handler (once): its response sets tornado's ``_xsrf`` cookie, which the page's
    shutdown request on ``beforeunload`` reads from ``document.cookie`` and sends back (reading
    ``xsrf_token`` sets it); and it tells the kernel manager when it starts and ends sending a page."""
    from voila.handler import VoilaHandler

    if getattr(VoilaHandler, "_rfexplore_tracked", False):
        return
    prepare = VoilaHandler.prepare

    def ended(self):
        if getattr(self, "_rfexplore_loading", False):
            self._rfexplore_loading = False
            getattr(self.kernel_manager, "page_ended", lambda: None)()

    async def prepare_and_track(self, *args, **kwargs):
        result = prepare(self, *args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        self.xsrf_token  # noqa: B018 (the property sets the cookie)
        if self.request.method == "GET" and hasattr(self.kernel_manager, "page_started"):
            self._rfexplore_loading = True
            self.kernel_manager.page_started()
        return result

    def on_finish(self):
        ended(self)
        return base_on_finish(self)

    def on_connection_close(self):
        ended(self)
        return base_on_connection_close(self)

    base_on_finish, base_on_connection_close = VoilaHandler.on_finish, VoilaHandler.on_connection_close
    VoilaHandler.prepare = prepare_and_track
    VoilaHandler.on_finish = on_finish
    VoilaHandler.on_connection_close = on_connection_close
    VoilaHandler._rfexplore_tracked = True


def track_requests(handler):
    """tornado's ``log_function``: the access log line tornado writes by default, and for every plain
    HTTP request (not a websocket) the kernel manager hears that pages are still loading."""
    from tornado.log import access_log
    from tornado.websocket import WebSocketHandler

    status = handler.get_status()
    log = access_log.info if status < 400 else access_log.warning if status < 500 else access_log.error
    log("%d %s %.2fms", status, handler._request_summary(), 1000.0 * handler.request.request_time())
    manager = handler.settings.get("kernel_manager")
    if not isinstance(handler, WebSocketHandler) and hasattr(manager, "page_traffic"):
        manager.page_traffic()


def _configure(c):
    for section, values in SETTINGS.items():
        for name, value in values.items():
            setattr(c[section], name, value)
    c.VoilaConfiguration.multi_kernel_manager_class = ClassKernelManager
    c.Voila.tornado_settings = {"log_function": track_requests}
    for name, value in KERNEL_ENV.items():      # kernels inherit Voila's environment
        os.environ.setdefault(name, value)
    track_pages()


if "get_config" in globals():   # executed by Voila as its config file (not when imported by a test)
    _configure(get_config())  # noqa: F821

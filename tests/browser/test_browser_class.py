"""The app server for a class (`make app`: Voila with .ci/app/voila.py): a few pages opened at once are
all fully drawn, each on its own kernel, and no page's kernel outlives its page by more than a minute,
whether the tab is closed (the page asks Voila to shut its kernel down) or the page vanishes without a
word (a crashed tab, a lost network: culling finds it). Plus the culling rule itself, without a browser.

The numbers for a whole class are measured by benchmarks/bench_class.py, not asserted here."""

import pytest
from classroom import app_config, close_pages, kernels, open_class, start_app, wait_for_pool, watch_kernels_go
from harness import APP_NOTEBOOK, stop_server

PAGES = 3
GONE_WITHIN_S = 60      # the bound: a closed page's kernel is gone within a minute

RULE = app_config()
SETTINGS = dict(cull_idle_timeout=40, page_connect_timeout=45, connected_idle_timeout=3600)


def reason(**state):
    base = dict(busy=False, connections=0, ever_connected=True, idle_s=0.0, unclaimed_s=None,
                pages_loading=False)
    return RULE.cull_reason(**{**base, **state}, **SETTINGS)


def test_culling_rule_keeps_open_busy_and_loading_pages():
    assert reason(connections=1, idle_s=3000) is None                   # open page, idle under an hour
    assert reason(busy=True, idle_s=10_000) is None                     # still computing
    assert reason(ever_connected=False, unclaimed_s=44, idle_s=900) is None
    assert reason(ever_connected=False, unclaimed_s=900, idle_s=900, pages_loading=True) is None
    assert reason(idle_s=39) is None                                    # closed, but only just


def test_culling_rule_culls_closed_never_connected_and_abandoned_pages():
    assert "closed" in reason(idle_s=41)
    assert "never connected" in reason(ever_connected=False, unclaimed_s=46, idle_s=46)
    assert "open but" in reason(connections=1, idle_s=3601)


def test_settings_bound_the_time_a_closed_page_keeps_its_kernel():
    """cull rule + one cull interval: a kernel whose page closed is gone within a minute."""
    s = RULE.SETTINGS
    worst = max(s["MappingKernelManager"]["cull_idle_timeout"], s["ClassKernelManager"]["page_connect_timeout"])
    assert worst + s["MappingKernelManager"]["cull_interval"] < GONE_WITHIN_S
    assert s["MappingKernelManager"]["cull_connected"] is False     # an open page is never culled as idle
    assert s["VoilaConfiguration"]["preheat_kernel"] is True


def wait_reason(**state):
    base = dict(arriving=False, handed_out=True, cpu_busy=0.1, cpu_known=True, refill_busy_cpu=0.5)
    return RULE.refill_wait_reason(**{**base, **state})


def test_a_pool_refill_waits_for_arriving_pages_and_busy_cpus():
    assert wait_reason(arriving=True) == "arriving pages"
    assert wait_reason(cpu_busy=0.9) == "busy CPUs (90 %)"
    assert wait_reason(cpu_busy=None) == "busy CPUs"                      # not measured yet: one more second
    assert wait_reason(cpu_busy=0.49) is None                             # quiet enough: start it
    assert wait_reason(cpu_busy=0.9, handed_out=False) is None            # filling the pool at start-up
    assert wait_reason(cpu_busy=0.9, cpu_known=False) is None             # no /proc/stat: pages only
    assert wait_reason(cpu_busy=0.9, refill_busy_cpu=1.0) is None         # switched off
    assert RULE.SETTINGS["ClassKernelManager"]["refill_busy_cpu"] == 0.5


def test_cpu_busy_fraction_from_two_samples():
    assert RULE.cpu_busy_fraction((100, 400), (130, 500)) == pytest.approx(0.3)
    assert RULE.cpu_busy_fraction(None, (130, 500)) is None
    assert RULE.cpu_busy_fraction((100, 400), (100, 400)) is None          # no time passed
    sample = RULE.read_cpu_times()
    if sample is not None:                                                 # Linux
        busy, total = sample
        assert 0 <= busy <= total


@pytest.fixture
def app(browser_context, tmp_path):
    server = start_app(APP_NOTEBOOK, tmp_path, pool=PAGES)
    yield server
    stop_server(server)


def test_class_pages_drawn_on_own_kernels_and_kernels_gone_after_close(browser_context, app):
    """Three pages at once; then the first is closed as a tab is, the others vanish without a word."""
    wait_for_pool(app, PAGES)
    pages, run = open_class(browser_context, app, PAGES)
    try:
        assert not run.failures, "\n".join(f"page {p.index}: {p.error}" for p in run.failures)
        ids = [p.kernel_id for p in run.pages]
        assert None not in ids and len(set(ids)) == PAGES, f"pages must each have their own kernel: {ids}"
        assert set(ids) <= set(kernels(app)), "a page's kernel is not running while its page is open"
    finally:
        closed_at = close_pages(pages[:1], before_unload=True)
        close_pages(pages[1:], before_unload=False)
    gone = watch_kernels_go(app, ids, closed_at, window=GONE_WITHIN_S)
    left = [k for k, s in gone.items() if s is None]
    assert not left, f"kernels still running {GONE_WITHIN_S} s after their pages closed: {left} ({gone})"
    assert gone[ids[0]] < 20, f"the closed tab's kernel should go at once (Voila's shutdown request): {gone}"

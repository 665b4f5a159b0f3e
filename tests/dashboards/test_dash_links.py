"""Lesson links (state + hide= + lecture=), hidden controls, the lecture theme and the Voila page's query
(rfexplore/dashboards/_page.py and the Explorer methods that use it)."""

import pytest

from rfexplore.dashboards import TourConfig, TourDashboard, lazy_dashboard, tour
from rfexplore.dashboards._page import join_link, lecture_figure, on_page_query, split_link

POOL = 512
CONTROLS = TourConfig.controls({"pool_size": POOL})


@pytest.fixture(scope="module")
def dash():
    return TourDashboard(pool_size=POOL)


@pytest.fixture(autouse=True)
def fresh(dash):
    dash.set_config(TourConfig())
    dash.hide()
    if dash.lecture:
        dash.set_lecture(False)
    yield


def test_split_link_separates_state_hide_and_lecture():
    link = split_link("?d=50&r=400&hide=d,seed&lecture=1&theme=dark", CONTROLS)
    assert link.state == "d=50&r=400" and link.hide == ("d", "seed") and link.lecture is True
    assert split_link("hide=width,r", CONTROLS).hide == ("width",)        # field name and key: once
    assert split_link("", CONTROLS) == split_link("lecture=0", CONTROLS)


@pytest.mark.parametrize("query, words", [
    ("hide=zzz", ["hide", "'zzz'", "controls are target, offset, d, r"]),
    ("lecture=maybe", ["lecture must be 0 or 1", "'maybe'"]),
    ("hide=d&hide=seed", ["'hide' appears more than once"]),
    ("x" * 3000, ["at most 2000 characters"]),
])
def test_split_link_refuses_bad_page_keys_naming_them(query, words):
    with pytest.raises(ValueError) as info:
        split_link(query, CONTROLS)
    assert all(w in str(info.value) for w in words), str(info.value)
    with pytest.raises(TypeError, match="link must be text"):
        split_link(3, CONTROLS)


def test_link_of_a_view_restores_it(dash):
    assert dash.apply_link("d=50&r=300&M=none&seed=3&hide=d,seed")
    q = dash.link_query()
    assert q.endswith("&hide=d,seed") and "d=50" in q and "seed=3" in q
    assert split_link(q, CONTROLS) == split_link(join_link(TourConfig(d=50, seed=3).to_query(), ("d", "seed"),
                                                           CONTROLS, False), CONTROLS)
    other = tour(q, pool_size=POOL, headless=True)
    assert other.config == dash.config and other.hidden == ("d", "seed")
    assert f"?{q}".replace("&", "&amp;") in dash.w_link.value and "link to this view" in dash.w_link.value


def test_hidden_controls_are_not_displayed_and_keep_their_values(dash):
    dash.apply_link("d=60&hide=d,M")
    assert dash.controls["d"].layout.display == "none" and dash.controls["magnitude"].layout.display == "none"
    assert dash.toggles["magnitude"].layout.display == "none"
    assert dash.controls["width"].layout.display is None and dash.config.d == 60
    dash.hide()
    assert dash.controls["d"].layout.display is None


@pytest.mark.parametrize("query", ["d=abc", "d=5000", "r=9999", "hide=nope", "M=-1", "bogus=1"])
def test_bad_link_shows_a_message_and_changes_nothing(dash, query):
    before = dash.config
    assert dash.apply_link(query) is False
    assert "this link was not applied" in dash.status.value and "⚠" in dash.status.value
    assert "this link was not applied" in dash.w_notice.value        # stays at the top of the dashboard
    dash.set_config(d=40)                                            # a no-op input clears the status line
    assert "this link was not applied" in dash.w_notice.value
    assert dash.apply_link("d=40") and dash.w_notice.value == ""
    assert dash.config == before == TourConfig() and dash.hidden == ()


def test_lecture_theme_fonts_lines_and_back(dash):
    plain = [t.line.width for t in dash.figures[0].data]
    dash.set_lecture(True)
    assert "rfx-lecture" in dash.widget._dom_classes
    for fig in dash.figures:
        assert fig.layout.font.size >= 20 and fig.layout.xaxis.tickfont.size >= 20
        assert all(t.line.width >= 4 for t in fig.data if t.type == "scatter")
    dash.set_config(d=30)                      # a recompute keeps the theme
    assert all(f.layout.font.size >= 20 for f in dash.figures)
    dash.set_lecture(False)
    assert "rfx-lecture" not in dash.widget._dom_classes
    assert [t.line.width for t in dash.figures[0].data] == plain and dash.figures[0].layout.font.size != 20
    with pytest.raises(TypeError, match="lecture must be True or False"):
        dash.set_lecture("yes")


def test_lecture_figure_doubles_line_widths():
    import plotly.graph_objects as go

    fig = go.Figure([go.Scatter(x=[0, 1], y=[0, 1], line=dict(width=3)), go.Scatter(x=[0], y=[1], mode="markers")])
    lecture_figure(fig)
    assert [t.line.width for t in fig.data] == [6, 4] and fig.data[1].marker.size == 10


def test_every_dashboard_takes_lecture_from_its_constructor():
    d = lazy_dashboard(lecture=True, width=16, steps=20)
    assert d.lecture and all(f.layout.font.size >= 20 for f in d.figures)


def test_page_query_outside_voila_and_in_a_kernel_started_for_a_request(monkeypatch, dash):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    assert dash.from_page() is False
    seen = []
    monkeypatch.setenv("VOILA_PREHEAT", "False")     # Voila started this kernel for the request
    monkeypatch.setenv("QUERY_STRING", "d=70&hide=seed")
    assert on_page_query(seen.append) is True and seen == ["d=70&hide=seed"]
    assert dash.from_page() is True and dash.config.d == 70 and dash.hidden == ("seed",)
    assert "<a href=" in dash.w_link.value            # in Voila the link is a link


def test_step_key_advances_the_training(dash):
    dash._on_key({"key": "step"})
    assert dash.step == dash.steps // 20
    dash._on_key({"key": "other"})
    assert dash.step == dash.steps // 20
    dash.reset()

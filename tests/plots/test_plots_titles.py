"""Figure titles are never clipped: the conservative title-width estimate of ``rfexplore.plots._style``,
calibrated on two titles seen clipped in a browser, and every builder's title checked against the
narrowest figure the dashboards draw."""

import plotly.graph_objects as go
import pytest

from rfexplore import plots
from rfexplore.dashboards import FIGURE_WIDTHS

NARROWEST = min(FIGURE_WIDTHS.values())        # 465 px: one figure of a two-column dashboard grid
MARGIN = 20                                    # px kept free at the right edge
TITLE_SIZE = 18                                # plotly: round(1.4 * 13 px), the builders' font size


def test_width_is_the_sum_of_character_widths_times_the_size():
    assert plots.title_width("lil", size=10) == pytest.approx(3 * 0.28 * 10)      # 0.28 em each
    assert plots.title_width("W m", size=20) == pytest.approx((0.99 + 0.36 + 0.98) * 20)
    assert plots.title_width("中", size=10) == pytest.approx(10.0)                 # unknown: a full em
    assert plots.title_width("", size=18) == 0.0


def test_markup_lines_bold_and_entities():
    ab = plots.title_width("ab", size=18)
    assert plots.title_width("abcd<br>ab", size=18) == plots.title_width("abcd", size=18)   # widest line
    assert plots.title_width("ab<br />abcd", size=18) == plots.title_width("abcd", size=18)
    assert plots.title_width("<i>a</i><sub>b</sub>", size=18) == pytest.approx(ab)        # tags take no room
    assert plots.title_width("<span style='color:red'>ab</span>", size=18) == pytest.approx(ab)
    assert plots.title_width("<b>ab</b>", size=18) == pytest.approx(1.27 * ab)           # bold is wider
    assert plots.title_width("<b>a</b>b", size=18) == pytest.approx(ab + 0.27 * plots.title_width("a", size=18))
    assert plots.title_width("&lt;&amp;", size=10) == pytest.approx(plots.title_width("<&", size=10))


def test_bad_input():
    with pytest.raises(TypeError, match="text must be a string"):
        plots.title_width(None, size=18)
    with pytest.raises(ValueError, match="size must be a positive number"):
        plots.title_width("a", size=0)


def test_title_size_follows_plotlys_default_rule():
    assert plots.title_font_size(go.Figure()) == 17.0                            # round(1.4 * 12)
    assert plots.title_font_size(go.Figure(layout=dict(font=dict(size=13)))) == 18.0
    assert plots.title_font_size(go.Figure(layout=dict(title=dict(font=dict(size=22))))) == 22.0
    fig = go.Figure(layout=dict(font=dict(size=13), title=dict(text="ab", subtitle=dict(text="ab"))))
    (_, w_title), (_, w_sub) = plots.title_widths(fig)
    assert w_sub == pytest.approx(w_title * 13 / 18)                             # round(0.7 * 18) = 13


@pytest.mark.parametrize("visible, full", [
    ("Width needed for accuracy ε: the power of d grows as ε sh",
     "Width needed for accuracy ε: the power of d grows as ε shrinks"),
    ("Size of the output weights of the best fit (marker: width nee",
     "Size of the output weights of the best fit (marker: width needed)"),
])
def test_estimate_is_conservative_on_titles_seen_clipped_at_465_px(visible, full):
    """Two titles a browser clipped in a 465 px figure (notebooks 04 and 02, before the rewording): it
    drew ``visible`` and cut the rest. So the real width of ``visible`` is at most 465 px and more than
    465 px less one character (about 12 px): the estimate must not fall below that, and it flags the
    full titles. It stays within 30 % of the browser's width (the table is conservative, not loose)."""
    assert plots.title_width(full, size=TITLE_SIZE) > 465
    assert 465 - 12 <= plots.title_width(visible, size=TITLE_SIZE) <= 1.3 * 465


def test_every_public_builder_is_checked(built_names):
    assert {n for n in plots.__all__ if n.startswith("plot_")} == built_names


def test_every_builder_title_fits_the_narrowest_dashboard_figure(built):
    """Each builder's own title (and subtitle) at its default size, with the longest parameters it
    prints, fits a 465 px figure with 20 px to spare."""
    name, fig = built
    assert plots.title_font_size(fig) == TITLE_SIZE
    for text, px in plots.title_widths(fig):
        assert text, f"{name} draws no title"
        assert px <= NARROWEST - MARGIN, f"{name}: {text!r} is about {px:.0f} px wide"

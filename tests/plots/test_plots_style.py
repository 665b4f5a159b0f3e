"""The house style, defined once in ``rfexplore.plots._style``: one Okabe–Ito palette that every
builder draws from, the colour roles, the legend room, the log-axis floor, trace lookup."""

import pathlib

import numpy as np
import plotly.graph_objects as go
import pytest

from rfexplore import plots
from rfexplore.plots import _style

# Okabe & Ito (2008), "Color Universal Design": the eight colours of the palette
OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


def test_one_palette_of_okabe_ito_colours():
    assert len(set(plots.PALETTE)) == len(plots.PALETTE) == 6
    assert set(plots.PALETTE) <= OKABE_ITO
    # every role is a palette entry or the neutral grey, and no two roles share a colour
    assert set(plots.COLORS.values()) <= set(plots.PALETTE) | {_style.NEUTRAL}
    assert len(set(plots.COLORS.values())) == len(plots.COLORS)
    assert tuple(plots.DEGREE_COLORS) == plots.PALETTE
    assert list(_style._TEMPLATE.layout.colorway) == list(plots.PALETTE)


def _colours(fig):
    """Every colour a figure's traces draw with (lines, markers, marker outlines, bars)."""
    out = set()
    for tr in fig.data:
        for part in ("line", "marker"):
            obj = getattr(tr, part, None)
            c = None if obj is None else getattr(obj, "color", None)
            if c is not None:
                out |= {c} if isinstance(c, str) else set(c)
            outline = None if obj is None or part != "marker" else obj.line.color
            if outline is not None:
                out.add(outline)
    return out


def test_every_builder_draws_from_the_one_palette(built):
    """No builder keeps a palette of its own: every trace colour is a palette colour, the neutral
    grey, black (the chosen one, targets), or white (open markers, switch-on lines)."""
    name, fig = built
    allowed = set(plots.PALETTE) | {_style.NEUTRAL, "black", "white"}
    assert _colours(fig) <= allowed, name


def test_series_colours_cycle_through_the_palette_and_skip_roles():
    assert [plots.series_color(i) for i in range(7)] == [*plots.PALETTE, plots.PALETTE[0]]
    kept = [plots.series_color(i, skip=("rf", "neuron")) for i in range(4)]
    assert kept == [c for c in plots.PALETTE if c not in (plots.COLORS["rf"], plots.COLORS["neuron"])]
    with pytest.raises(ValueError, match="skip must name roles of COLORS"):
        plots.series_color(0, skip=("vermillion",))


def test_series_beside_a_role_colour_never_take_it():
    """The neuron's blue, the RF vermillion and the budget's purple stay theirs in the figures that
    draw them beside series."""
    runs = plots.plot_neuron_losses([0, 1], [1.0, 0.1], others={f"run {i}": ([0, 1], [1, 0.5]) for i in range(9)},
                                    rf=([0, 1], [1.0, 0.5]))
    others = {runs.data[plots.trace_index(runs, f"run {i}")].line.color for i in range(9)}
    assert not others & {plots.COLORS["rf"], plots.COLORS["neuron"]}
    params = plots.plot_parameters_needed([5, 10], [5, 10], {e: [1, 2] for e in (0.1, 0.01, 0.001, 1e-4, 1e-5, 1e-6)})
    rf = {t.line.color for t in params.data if t.name.startswith("RF") and t.mode == "lines"}
    assert len(rf) == 5 and plots.COLORS["neuron"] not in rf
    budget = plots.plot_budget_curves([1, 10], {d: [0.5, 0.2] for d in range(6)}, current_budget=3)
    assert plots.COLORS["budget"] not in {t.line.color for t in budget.data if t.name.startswith("d = ")}


def test_degree_k_takes_the_kth_palette_colour():
    fig = plots.plot_magnitude_vs_d([4, 8], {k: [1, 2] for k in range(1, 8)}, eps=0.5)
    assert [t.line.color for t in fig.data] == [plots.DEGREE_COLORS[(k - 1) % 6] for k in range(1, 8)]


def test_floor_puts_zeros_and_negatives_on_the_log_axis_floor():
    np.testing.assert_array_equal(plots._floor([0.0, -1.0, 1e-20, 0.5]), [1e-16, 1e-16, 1e-16, 0.5])
    np.testing.assert_array_equal(plots._floor([0.0, 0.01, 2.0], 0.1), [0.1, 0.1, 2.0])


def _named(names, t=100):
    fig = go.Figure(layout=dict(margin=dict(t=t)))
    for n in names:
        fig.add_trace(go.Scatter(x=[1], y=[1], name=n))
    return fig


def test_legend_room_grows_one_row_per_110_characters_of_legend():
    # entries count their name plus 8 for the symbol; each 21 px row above a 60 px base
    one = _style._legend_room(_named(["a" * 50]))                        # 58 characters: one row
    assert one.layout.margin.t == 100 and one.layout.height == 330 + 100   # the 100 px margin already fits
    three = _style._legend_room(_named(["b" * 100, "c" * 100, "d" * 50]))  # 274 characters: 3 rows
    assert three.layout.margin.t == 60 + 21 * 3 and three.layout.height == 330 + 123
    # the plot keeps its height; a margin is never shrunk; traces without data take no room
    fig = _named(["e" * 300], t=200)
    fig.add_trace(go.Scatter(x=[], y=[], name="f" * 500))
    _style._legend_room(fig, plot_height=250)
    assert fig.layout.margin.t == 200 and fig.layout.height == 450


def test_legend_room_is_defined_once_and_used_by_legend_heavy_builders():
    """One definition (there were two; the later, row-counting one was the one callers got)."""
    src = "".join(p.read_text() for p in sorted(pathlib.Path(_style.__file__).parent.glob("*.py")))
    assert src.count("def _legend_room(") == 1
    fig = plots.plot_neuron_losses([0, 1], [1.0, 0.1], others={"x" * 120: ([0, 1], [1, 0.5])})
    assert fig.layout.margin.t > 100 and fig.layout.height == 330 + fig.layout.margin.t


def test_colors_are_distinct_and_trace_index_errors():
    assert len(set(plots.COLORS.values())) == len(plots.COLORS)
    with pytest.raises(KeyError, match="no trace named"):
        plots.trace_index(go.Figure(), "nope")
    fig = _named(["a", "b"])
    assert plots.trace_index(fig, "b") == 1

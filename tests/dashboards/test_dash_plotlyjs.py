"""The figure views' plotly.js: the cartesian partial bundle (rfexplore/dashboards/plotlyjs/, written by
.ci/plotlyjs.py) draws every trace type any figure of the package uses, and is the plotly.js version the
installed plotly.py writes figures for; otherwise the loader sends plotly.py's full bundle."""

import ast
import re
from pathlib import Path

import plotly
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs, get_plotlyjs_version
from test_dash_shared import ALL, make

import rfexplore.dashboards._figure_view as figure_view

pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py

PACKAGE = Path(figure_view.__file__).resolve().parents[1]
# How plotly.js registers a trace module; the same text in the partial and the full bundle.
_REGISTERED = re.compile(r'moduleType:"trace",name:"([a-z0-9]+)"')


def trace_classes():
    """{class name: class} of plotly.py's trace types (``go`` imports them lazily: ``dir``, not ``vars``)."""
    found = {name: getattr(go, name) for name in dir(go) if name[:1].isupper()}
    return {name: cls for name, cls in found.items()
            if isinstance(cls, type) and issubclass(cls, plotly.basedatatypes.BaseTraceType)}


def registered_types(source):
    return set(_REGISTERED.findall(source))


def partial_source():
    return figure_view.PARTIAL_BUNDLE.read_text(encoding="utf-8")


def test_reading_the_registered_types_finds_every_type_of_the_full_bundle():
    """The check below can fail: read the same way, the full bundle registers every trace type plotly.py has
    a class for (and the partial bundle far fewer)."""
    plotly_py_types = {cls().type for cls in trace_classes().values()}
    assert len(plotly_py_types) > 30 and plotly_py_types <= registered_types(get_plotlyjs())
    assert {"scatter", "bar", "heatmap"} <= registered_types(partial_source()) < registered_types(get_plotlyjs())
    assert "scatter3d" not in registered_types(partial_source())


def trace_constructors_in_package():
    """{trace type: [file:line, ...]} of every ``go.<Trace>(`` call (and ``fig.add_<trace>(``) in the package."""
    found, classes = {}, trace_classes()
    types = {cls().type for cls in classes.values()}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            attr, where = node.func.attr, f"{path.relative_to(PACKAGE)}:{node.lineno}"
            if attr in classes and isinstance(node.func.value, ast.Name) and node.func.value.id == "go":
                found.setdefault(classes[attr]().type, []).append(where)
            elif attr.startswith("add_") and attr[4:] in types:
                found.setdefault(attr[4:], []).append(where)
    return found


def test_every_trace_type_the_package_constructs_is_in_the_partial_bundle():
    used = trace_constructors_in_package()
    assert {"scatter", "bar", "heatmap"} <= set(used)           # the scan finds what the plots build
    missing = {t: w for t, w in used.items() if t not in registered_types(partial_source())}
    assert not missing, (f"trace types not in {figure_view.PARTIAL_BUNDLE.name}: {missing}; use a larger "
                         "partial bundle in .ci/plotlyjs.py")


@pytest.mark.parametrize("name", ALL)
def test_every_dashboard_draws_only_trace_types_of_the_partial_bundle(name):
    dash = make(name)
    types = {t.type for fig in dash.figures for t in fig.data}
    assert types, f"{name}: no traces"
    assert types <= registered_types(partial_source()), f"{name}: {types - registered_types(partial_source())}"


def test_the_loader_sends_the_partial_bundle_of_plotly_pys_version():
    """Fails after a plotly upgrade until `python .ci/plotlyjs.py write` fetches the matching bundle."""
    source, bundle = figure_view.plotly_js()
    assert bundle == f"plotly.js-cartesian-dist-min {get_plotlyjs_version()}"
    assert source == partial_source() and len(source) < len(get_plotlyjs()) / 2
    assert f"v{get_plotlyjs_version()}" in source[:200] and "newPlot" in source


def test_another_plotly_js_version_gets_plotly_pys_full_bundle(monkeypatch):
    import plotly.offline

    monkeypatch.setattr(plotly.offline, "get_plotlyjs_version", lambda: "0.0.1")
    source, bundle = figure_view.plotly_js()
    assert bundle == "plotly.js 0.0.1 (plotly.py's full bundle)" and source == get_plotlyjs()


def test_without_the_partial_bundle_the_loader_sends_the_full_one(monkeypatch, tmp_path):
    monkeypatch.setattr(figure_view, "PARTIAL_BUNDLE", tmp_path / "absent.min.js")
    source, bundle = figure_view.plotly_js()
    assert "full bundle" in bundle and source == get_plotlyjs()

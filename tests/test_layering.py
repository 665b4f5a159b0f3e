"""The layers point one way (docs/architecture.md): validation -> gaussian -> targets/features -> fit ->
train -> experiments; plots beside them, drawing only; dashboards on top. Checked on the source (every
import statement of every module, parsed) and on a fresh interpreter (what importing actually loads)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rfexplore"
WIDGETS = ("ipywidgets", "plotly", "anywidget", "IPython")
MATHS = ("validation", "gaussian", "targets", "features", "fit", "train")


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imports(path: Path) -> set:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module
            out.add(name)
            out |= {f"{name}.{a.name}" for a in node.names}
    return out


def _files(layer: str):
    single, package = PACKAGE / f"{layer}.py", PACKAGE / layer
    return [single] if single.exists() else sorted(package.rglob("*.py"))


def _top(names):
    return {n.split(".")[0] for n in names}


@pytest.mark.parametrize("layer", MATHS + ("experiments",))
def test_maths_training_and_experiments_import_no_widgets_and_no_plotting(layer):
    files = _files(layer)
    assert files, f"no module for the layer {layer}"
    for path in files:
        names = _imports(path)
        assert not _top(names) & set(WIDGETS), f"{path.relative_to(ROOT)} imports {_top(names) & set(WIDGETS)}"
        above = {n for n in names if n.startswith(("rfexplore.plots", "rfexplore.dashboards"))}
        assert not above, f"{path.relative_to(ROOT)} imports the layer above it: {sorted(above)}"


@pytest.mark.parametrize("layer", MATHS)
def test_maths_and_training_do_not_import_experiments(layer):
    for path in _files(layer):
        names = {n for n in _imports(path) if n.startswith("rfexplore.experiments")}
        assert not names, f"{path.relative_to(ROOT)} imports {sorted(names)}"


def test_plots_import_no_torch_and_no_widgets():
    for path in _files("plots"):
        top = _top(_imports(path))
        assert not top & {"torch", "ipywidgets", "anywidget", "IPython"}, f"{path.relative_to(ROOT)}: {top}"


def test_the_parser_sees_imports():
    # the checks above could pass vacuously if the parser missed imports: it must see these
    assert "ipywidgets" in _imports(PACKAGE / "dashboards" / "_base.py")
    assert "rfexplore.experiments.tour_result" in _imports(PACKAGE / "dashboards" / "tour.py")
    assert "rfexplore.experiments._cache.CACHE" in _imports(PACKAGE / "experiments" / "tour.py")


@pytest.mark.parametrize("module", ["rfexplore", "rfexplore.experiments"])
def test_importing_loads_no_widget_or_plotting_package(module):
    code = (f"import sys, {module}; print(sorted(m for m in sys.modules "
            f"if m.split('.')[0] in {WIDGETS!r} or m.startswith('rfexplore.dashboards')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout


def test_dashboards_compute_only_through_experiments():
    # a dashboard module wires: its numbers come from rfexplore.experiments, its figures from rfexplore.plots
    maths = tuple(f"rfexplore.{m}" for m in MATHS if m != "validation")
    for path in _files("dashboards"):
        names = {n for n in _imports(path) if n.startswith(maths)}
        assert not names, f"{path.relative_to(ROOT)} computes without experiments: {sorted(names)}"

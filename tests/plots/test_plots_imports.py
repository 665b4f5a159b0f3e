"""The layering (DESIGN 3): imports point one way. The maths never imports plotting or widgets; the
figure builders import plotly and numpy only: no torch, no scipy, no widgets, no maths module."""

import ast
import json
import pathlib
import subprocess
import sys

import pytest

PKG = pathlib.Path(__file__).resolve().parents[2] / "rfexplore"
PLOTS = sorted((PKG / "plots").glob("*.py"))
# what a plots module may import: the standard library modules below, numpy, plotly, its own package
PLOTS_MAY_IMPORT = {"__future__", "html", "math", "re", "numpy", "plotly"}


def _imports(path):
    """Top-level names of the modules ``path`` imports; relative imports keep their dots."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(("." * node.level) + (node.module or ""))
    return names


@pytest.mark.parametrize("module", ["gaussian", "targets", "features", "fit", "train"])
def test_maths_never_imports_plotting_or_widgets(module):
    """DESIGN 3: imports point one way; the maths never imports plotly or ipywidgets."""
    path = PKG / f"{module}.py"
    files = [path] if path.exists() else sorted((PKG / module).glob("*.py"))   # a module or a package
    assert files, f"no rfexplore.{module}"
    names = set().union(*(_imports(f) for f in files))
    names = {n[1:] if n.startswith("..") else n for n in names}                 # from a subpackage: ..plots
    assert not names & {"plotly", "ipywidgets", "IPython", ".plots", ".dashboards", "anywidget"}


def test_plots_is_a_package_of_small_modules():
    assert not (PKG / "plots.py").exists()
    assert {p.name for p in PLOTS} >= {"__init__.py", "_style.py"} and len(PLOTS) >= 5
    for p in PLOTS:
        assert len(p.read_text().splitlines()) < 700, p.name
        assert ast.get_docstring(ast.parse(p.read_text())), f"{p.name} needs a docstring saying what it draws"


@pytest.mark.parametrize("path", PLOTS, ids=lambda p: p.name)
def test_plots_modules_import_only_plotly_numpy_and_each_other(path):
    """Each file's own import statements, read with ``ast`` (what the file asks for, whether or not
    something else has loaded it already): plotly, numpy, a few standard modules, and siblings
    inside ``rfexplore.plots`` (one leading dot) — never ``..fit``, torch, scipy or widgets."""
    for name in _imports(path):
        if name.startswith("."):
            assert not name.startswith(".."), f"{path.name} imports {name} from outside rfexplore.plots"
        else:
            assert name.split(".")[0] in PLOTS_MAY_IMPORT, f"{path.name} imports {name}"


# Run in a fresh interpreter. ``rfexplore/__init__.py`` imports the maths API, which imports torch, so
# ``import rfexplore.plots`` the ordinary way loads torch whatever plots does, and the check would be
# empty. Instead register a bare ``rfexplore`` package (its ``__path__`` only, ``__init__`` not run):
# then ``import rfexplore.plots`` executes exactly the plots package and whatever it pulls in, a
# sibling such as ``rfexplore.gaussian`` (and with it torch) included.
_PROBE = r"""
import json, sys, types
pkg = types.ModuleType("rfexplore")
pkg.__path__ = [sys.argv[1]]
sys.modules["rfexplore"] = pkg
import rfexplore.plots as plots
plots.plot_width_curve([1, 2], [0.5, 0.2], d=3)          # building a figure loads nothing more either
print(json.dumps(sorted(sys.modules)))
"""


def test_importing_plots_loads_no_torch_scipy_or_widgets():
    out = subprocess.run([sys.executable, "-c", _PROBE, str(PKG)], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert "rfexplore.plots._style" in loaded and "plotly" in loaded               # the probe did import plots
    top = {m.split(".")[0] for m in loaded}
    assert not top & {"torch", "scipy", "ipywidgets", "anywidget", "IPython"}, sorted(top)
    assert not {m for m in loaded if m.startswith("rfexplore.")} - {
        f"rfexplore.plots.{p.stem}" for p in PLOTS} - {"rfexplore.plots"}

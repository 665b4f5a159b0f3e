"""Packaging and repository hygiene: environment.yml follows pyproject.toml, notebooks are stored
clean, the README's commands and example hold, CI runs the README's test command."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]
# PyPI name -> conda-forge name, where they differ.
CONDA_NAMES = {"torch": "pytorch-cpu"}
# Installed from PyPI in environment.yml's pip section (PyPI's wheel bundles Playwright's driver).
PIP_SECTION = {"playwright"}
CONDA_ONLY = {"python", "pip"}
MAX_NOTEBOOK_BYTES = 100 * 1024
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "tests" / "browser" / "fixtures").glob("*.ipynb")
)


def _strip_tool():
    spec = importlib.util.spec_from_file_location("strip_notebooks", ROOT / ".ci" / "notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _project_requirements():
    """Runtime and every optional (dev) requirement of pyproject.toml, keyed by lowercase name."""
    project = _pyproject()["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return {req.name.lower(): req for req in map(Requirement, lines)}


def _conda_spec(line):
    """Split a conda match spec like `numpy>=1.24,<3` or `python=3.11` into (name, version spec)."""
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", line)
    name, spec = match.group(1).lower(), match.group(2).replace(" ", "")
    if re.fullmatch(r"=[0-9.]+", spec):  # conda's fuzzy `=3.11` means 3.11.*
        spec = f"={spec}.*"
    return name, SpecifierSet(spec)


def _environment():
    """environment.yml as ({conda name: spec}, {pip name: spec}, [other pip lines])."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip, pip_other = {}, {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for line in dep["pip"]:
                if line.startswith("-") or line.startswith("."):
                    pip_other.append(line)
                else:
                    req = Requirement(line)
                    pip[req.name.lower()] = req.specifier
        else:
            name, spec = _conda_spec(dep)
            conda[name] = spec
    return env, conda, pip, pip_other


def _lower_bound(spec):
    bounds = [Version(s.version) for s in spec if s.operator in (">=", "==", "~=")]
    return max(bounds) if bounds else None


def test_environment_yml_lists_every_dependency_with_compatible_bounds():
    env, conda, pip, _ = _environment()
    assert env["channels"][0] == "conda-forge", "environment.yml must take packages from conda-forge first"
    problems = []
    for name, req in _project_requirements().items():
        where, env_name = (pip, name) if name in PIP_SECTION else (conda, CONDA_NAMES.get(name, name))
        section = "the pip section" if name in PIP_SECTION else "the conda dependencies"
        if env_name not in where:
            problems.append(f"{name}: missing from {section} of environment.yml (as `{env_name}`)")
            continue
        wanted, have = _lower_bound(req.specifier), _lower_bound(where[env_name])
        if wanted is not None and (have is None or have < wanted):
            problems.append(f"{env_name}: environment.yml lower bound {have} is below pyproject's {wanted}")
        elif have is not None and not where[env_name].contains(have, prereleases=True):
            problems.append(f"{env_name}: environment.yml bounds {where[env_name]} admit no version")
    assert not problems, "environment.yml out of step with pyproject.toml:\n" + "\n".join(problems)


def test_environment_yml_has_nothing_pyproject_lacks():
    _, conda, pip, _ = _environment()
    known = {CONDA_NAMES.get(n, n) for n in _project_requirements()} | CONDA_ONLY
    extra = sorted(set(conda) - known) + sorted(set(pip) - set(_project_requirements()))
    assert not extra, f"environment.yml installs {extra}, which pyproject.toml does not declare"


def test_environment_yml_installs_rfexplore_and_a_supported_python():
    _, conda, _, pip_other = _environment()
    assert "-e ." in pip_other or "." in pip_other, "environment.yml's pip section must install `-e .`"
    python = conda["python"]
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    minor = Version(next(iter(python)).version.rstrip(".*"))
    assert minor in requires, f"environment.yml pins python {python}, outside requires-python {requires}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_stored_clean(path):
    """Committed notebooks carry no widget state and no outputs but the small text outputs of
    `# NBVAL_CHECK_OUTPUT` cells, nbval's reference values (`make strip` makes them so)."""
    size = path.stat().st_size
    assert size <= MAX_NOTEBOOK_BYTES, f"{path.name} is {size} bytes, over {MAX_NOTEBOOK_BYTES}: make strip"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert "widgets" not in nb.metadata, f"{path.name} stores widget state: run `make strip`"
    # The rule itself lives in the strip tool (.ci/notebooks.py): stripping must change nothing.
    before = nbformat.writes(nb)
    assert nbformat.writes(_strip_tool().strip(nb)) == before, f"{path.name} has outputs to strip: make strip"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = ROOT / ".ci" / "run"
    assert "make test" in readme and "make lab" in readme
    assert ci.stat().st_mode & 0o111, ".ci/run must be executable"
    targets = re.findall(r"^\s*make ([\w-]+)\s*$", ci.read_text(), flags=re.M)
    assert targets == ["test"], f".ci/run must run exactly `make test`, runs make {targets}"


def test_readme_python_example_runs(tmp_path):
    """The README's Python example runs as printed, in a fresh interpreter."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    assert blocks, "README.md should show a ```python example"
    script = tmp_path / "readme_example.py"
    script.write_text("\n".join(blocks))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"README example failed:\n{done.stderr}"


def test_binder_link_opens_the_tour():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"https://mybinder\.org/v2/gh/[^)\s]+", readme)
    assert any("urlpath=lab/tree/notebooks/00_tour.ipynb" in link for link in links), links


# ---------------------------------------------------------------- links and Binder (repo2docker)


def _links_tool():
    spec = importlib.util.spec_from_file_location("links", ROOT / ".ci" / "links.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_binder_colab_and_github_link_is_built_from_the_one_setting():
    links = _links_tool()
    slug = links.repository()
    assert f"https://github.com/{slug}" == _pyproject()["project"]["urls"]["Repository"]
    assert links.problems() == []
    readme = (ROOT / "README.md").read_text()
    assert links.binder(slug) in readme and links.colab(slug) in readme       # the badges' targets
    found = 0
    for path in links.files():
        text = path.read_text()
        found += len(links.BINDER.findall(text)) + len(links.COLAB.findall(text))
    assert found >= 4, "README.md and notebooks/README.md should offer Binder and Colab links"
    # the address is written out in one place only: pyproject.toml and the files the tool rewrites
    for path in [ROOT / "Makefile", ROOT / "environment.yml", *ROOT.glob("rfexplore/**/*.py")]:
        assert "github.com/" + slug not in path.read_text(), f"{path} spells the repository address out"


FORK = "some-school/rf-course-2027"


def test_a_fork_changes_one_line_and_make_links_rewrites_every_link(tmp_path):
    """What README's `Binder and Colab links` section tells a teacher who forks, on a copy of the files."""
    links = _links_tool()
    for path in links.files():
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text())
    old = links.repository()
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert pyproject.count(f'Repository = "https://github.com/{old}"') == 1
    (tmp_path / "pyproject.toml").write_text(pyproject.replace(
        f'Repository = "https://github.com/{old}"', f'Repository = "https://github.com/{FORK}"'))
    assert links.problems(tmp_path), "the copies still name the old address: the check must see it"
    changed = links.write(tmp_path)
    assert {p.name for p in changed} >= {"README.md", "00_tour.ipynb"}
    assert links.problems(tmp_path) == []
    for path in links.files(tmp_path):
        text = path.read_text()
        assert old not in text, path
        if path.suffix == ".ipynb":
            cell = next(c for c in nbformat.reads(text, as_version=4).cells if c.get("id") == "colab-install")
            assert links.install_line(FORK) in cell.source, path
    # and only the links changed: the rest of every file is as it was
    for path in links.files():
        copy = (tmp_path / path.relative_to(ROOT)).read_text()
        assert copy.replace(FORK, old) == path.read_text(), path


def test_a_link_to_another_repository_or_a_wrong_branch_is_caught(tmp_path):
    links = _links_tool()
    slug = links.repository()
    bad = (f"[b](https://mybinder.org/v2/gh/{slug}/dev?urlpath=lab/tree/notebooks/00_tour.ipynb) "
           f"[c](https://colab.research.google.com/github/someone/rfexplore/blob/main/notebooks/00_tour.ipynb) "
           f"[g](https://github.com/someone/rfexplore) [x](https://github.com/google/neural-tangents) "
           f"[n](https://mybinder.org/v2/gh/{slug}/HEAD?urlpath=lab/tree/notebooks/99_missing.ipynb)")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    (tmp_path / "README.md").write_text(bad)
    (tmp_path / "notebooks" / "README.md").write_text("")
    found = links.problems(tmp_path)
    assert len(found) == 4, found                  # neural-tangents is someone else's project: left alone
    assert any("99_missing.ipynb, which does not exist" in p for p in found)


# repo2docker picks the first build pack whose files it finds; these would win over environment.yml
# (Dockerfile, Julia, Nix, R) or replace the whole root configuration (a binder/ or .binder/ folder).
REPO2DOCKER_SHADOWS = ["Dockerfile", "binder", ".binder", "Project.toml", "REQUIRE", "default.nix", "install.R",
                       "DESCRIPTION", "runtime.txt"]


def test_binder_builds_from_environment_yml_with_lab_and_voila():
    """What repo2docker reads: environment.yml at the root (nothing shadowing it); its pip section's `-e .`
    makes repo2docker copy the whole repository before installing, so rfexplore itself is installed.
    JupyterLab serves `urlpath=lab/...`; Voila's conda package enables its server extension, which serves
    `urlpath=voila/render/...`: no postBuild or start script is needed. If one is added it must run."""
    shadows = [name for name in REPO2DOCKER_SHADOWS if (ROOT / name).exists()]
    assert not shadows, f"repo2docker would build from {shadows} instead of environment.yml"
    env, conda, _, pip_other = _environment()
    assert env["name"] and "python" in conda and "-e ." in pip_other
    assert {"jupyterlab", "voila", "ipywidgets", "anywidget", "plotly"} <= set(conda)
    for script in ("postBuild", "start"):
        path = ROOT / script
        if path.exists():
            assert path.stat().st_mode & 0o111 and path.read_text().startswith("#!"), f"{script} must be executable"

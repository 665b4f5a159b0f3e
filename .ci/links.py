"""Binder, Colab and GitHub links from one setting: `[project.urls] Repository` in pyproject.toml.

    python .ci/links.py check   # list every link not built from the setting (exit status 1 if any)
    python .ci/links.py write   # rewrite them from the setting (README.md, notebooks/README.md, notebooks)

The setting is the repository's GitHub address, e.g. `Repository = "https://github.com/OWNER/rfexplore"`.
From it: the Binder badge and links (`https://mybinder.org/v2/gh/OWNER/rfexplore/HEAD?urlpath=...`), the
Colab links (`https://colab.research.google.com/github/OWNER/rfexplore/blob/main/notebooks/...`), the GitHub
links to this repository and every notebook's Colab install cell
(`%pip install --quiet "rfexplore @ git+https://github.com/OWNER/rfexplore"`). A link is this repository's
when it is a Binder or Colab link, or a GitHub link to a repository named `rfexplore` or to one that a
Binder or Colab link names; other GitHub links (citations of other projects) are left alone.
"""

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
BRANCH = "main"                     # the branch Colab opens (Binder opens HEAD, the default branch)
PROJECT = "rfexplore"
INSTALL_CELL_ID = "colab-install"
_SLUG = r"([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+?)"
_END = r"[^\s)\"'`<>\\\]]"         # characters a link in markdown, code spans or notebook JSON may hold
BINDER = re.compile(rf"https://mybinder\.org/v2/gh/{_SLUG}/([^/?\s]+)(\?{_END}*)?")
COLAB = re.compile(rf"https://colab\.research\.google\.com/github/{_SLUG}/blob/([^/\s]+)/({_END}+)")
GITHUB = re.compile(rf"(?<![\w/.])(git\+)?https://github\.com/{_SLUG}(?=[/\s)\"'`#?\\]|$)({_END}*)")
BINDER_PATH = re.compile(r"\?urlpath=(?:lab/tree|voila/render)/(" + _END + r"+)")


def files(root=ROOT):
    """The files whose links follow the setting."""
    return [root / "README.md", root / "notebooks" / "README.md", *sorted((root / "notebooks").glob("*.ipynb"))]


def repository(root=ROOT) -> str:
    """`owner/name` from `[project.urls] Repository` of pyproject.toml."""
    urls = tomllib.loads((root / "pyproject.toml").read_text())["project"].get("urls", {})
    url = urls.get("Repository")
    if url is None:
        raise SystemExit("pyproject.toml has no [project.urls] Repository = \"https://github.com/OWNER/NAME\"")
    m = re.fullmatch(r"https://github\.com/" + _SLUG + r"(?:\.git)?/?", url)
    if not m:
        raise SystemExit(f"[project.urls] Repository must be https://github.com/OWNER/NAME, got {url!r}")
    return f"{m.group(1)}/{m.group(2)}"


def binder(slug, path="notebooks/00_tour.ipynb", app="lab"):
    where = {"lab": "lab/tree", "voila": "voila/render"}[app]
    return f"https://mybinder.org/v2/gh/{slug}/HEAD?urlpath={where}/{path}"


def colab(slug, path="notebooks/00_tour.ipynb"):
    return f"https://colab.research.google.com/github/{slug}/blob/{BRANCH}/{path}"


def pip_url(slug):
    return f"git+https://github.com/{slug}"


def install_line(slug):
    return f'%pip install --quiet "{PROJECT} @ {pip_url(slug)}"'


def _ours(texts) -> set:
    """Repository slugs this project's links use now (Binder and Colab links name only this repository)."""
    slugs = set()
    for text in texts:
        slugs |= {f"{m.group(1)}/{m.group(2)}" for rx in (BINDER, COLAB) for m in rx.finditer(text)}
    return slugs


def _is_ours(owner, name, ours):
    return name == PROJECT or f"{owner}/{name}" in ours


def _target_exists(root, path):
    return "<" in path or (root / path).exists()       # `notebooks/<name>.ipynb` is a placeholder in prose


def problems(root=ROOT) -> list:
    """Every link (and install cell) not built from the setting, as `file: what`."""
    slug = repository(root)
    texts = {p: p.read_text() for p in files(root)}
    ours = _ours(texts.values())
    out = []
    for path, text in texts.items():
        rel = path.relative_to(root)
        for m in BINDER.finditer(text):
            got = f"{m.group(1)}/{m.group(2)}"
            target = BINDER_PATH.fullmatch(m.group(4) or "")
            if got != slug or m.group(3) != "HEAD" or not target:
                out.append(f"{rel}: Binder link {m.group(0)} is not {binder(slug)} (any notebook, lab or voila)")
            elif not _target_exists(root, target.group(1)):
                out.append(f"{rel}: Binder link {m.group(0)} opens {target.group(1)}, which does not exist")
        for m in COLAB.finditer(text):
            got = f"{m.group(1)}/{m.group(2)}"
            if got != slug or m.group(3) != BRANCH:
                out.append(f"{rel}: Colab link {m.group(0)} is not {colab(slug, m.group(4))}")
            elif not _target_exists(root, m.group(4)) or not m.group(4).endswith(".ipynb"):
                out.append(f"{rel}: Colab link {m.group(0)} opens {m.group(4)}, which is not a notebook here")
        for m in GITHUB.finditer(text):
            if _is_ours(m.group(2), m.group(3), ours) and f"{m.group(2)}/{m.group(3)}" != slug:
                out.append(f"{rel}: GitHub link {m.group(0)} is not to {slug}")
        if path.suffix == ".ipynb":
            out += _install_cell_problems(path, text, slug, rel)
    return out


def _install_cell_problems(path, text, slug, rel):
    import json

    cells = [c for c in json.loads(text)["cells"] if c.get("id") == INSTALL_CELL_ID]
    if len(cells) != 1:
        return [f"{rel}: needs exactly one code cell with id {INSTALL_CELL_ID!r} (the Colab install), has {len(cells)}"]
    source = "".join(cells[0]["source"])
    if 'if "google.colab" in sys.modules:' not in source or install_line(slug) not in source:
        return [f"{rel}: the Colab install cell must run `{install_line(slug)}` under "
                '`if "google.colab" in sys.modules:`']
    return []


def rewrite(text, slug, ours) -> str:
    """`text` with this repository's links rebuilt from `slug` (other links untouched)."""
    text = BINDER.sub(lambda m: f"https://mybinder.org/v2/gh/{slug}/HEAD{m.group(4) or ''}", text)
    text = COLAB.sub(lambda m: f"https://colab.research.google.com/github/{slug}/blob/{BRANCH}/{m.group(4)}", text)
    return GITHUB.sub(lambda m: f"{m.group(1) or ''}https://github.com/{slug}{m.group(4)}"
                      if _is_ours(m.group(2), m.group(3), ours) else m.group(0), text)


def write(root=ROOT) -> list:
    """Rewrite the links of every file from the setting; returns the files changed."""
    slug = repository(root)
    texts = {p: p.read_text() for p in files(root)}
    ours = _ours(texts.values())
    changed = []
    for path, text in texts.items():
        new = rewrite(text, slug, ours)
        if new != text:
            path.write_text(new)
            changed.append(path)
    return changed


def main(argv):
    if argv not in (["check"], ["write"]):
        sys.exit(__doc__)
    if argv == ["write"]:
        for path in write():
            print(f"rewrote links in {path.relative_to(ROOT)}")
    bad = problems()
    for line in bad:
        print(line, file=sys.stderr)
    if bad:
        sys.exit(f"{len(bad)} link(s) not built from [project.urls] Repository = "
                 f"https://github.com/{repository()}: run `python .ci/links.py write`")
    print(f"every Binder, Colab and GitHub link follows https://github.com/{repository()}")


if __name__ == "__main__":
    main(sys.argv[1:])

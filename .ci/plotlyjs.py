"""The figure views' plotly.js: npm's cartesian partial bundle, at the version plotly.py ships.

    python .ci/plotlyjs.py check   # is rfexplore/dashboards/plotlyjs/ the bundle for the installed plotly?
    python .ci/plotlyjs.py write   # fetch it (`npm pack`, the npm registry) and write it there

The dashboards' figures use only cartesian trace types (scatter, bar, heatmap: tests/dashboards/
test_dash_plotlyjs.py checks every one), so the page loads `plotly.js-cartesian-dist-min` (1.5 MB) instead of
plotly.py's full bundle (4.8 MB, every trace type). It is kept in the repository (the package installs it, so
Colab, Binder and an offline classroom need no network at run time); run `write` after upgrading plotly, whose
plotly.js version it must match (rfexplore/dashboards/_figure_view.py falls back to the full bundle, and the
test fails, until it does).
"""

import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIR = ROOT / "rfexplore" / "dashboards" / "plotlyjs"
PACKAGE = "plotly.js-cartesian-dist-min"
FILES = {"package/plotly-cartesian.min.js": "plotly-cartesian.min.js", "package/LICENSE": "LICENSE"}


def wanted_version():
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


def vendored_version():
    path = DIR / "plotly-cartesian.min.js"
    if not path.exists():
        return None
    match = re.search(r"plotly\.js \(cartesian - minified\) v(\S+)", path.read_text()[:500])
    return match.group(1) if match else None


def write(version):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", "--silent", f"{PACKAGE}@{version}"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        (tgz,) = Path(tmp).glob("*.tgz")
        DIR.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tgz) as tar:
            for member, name in FILES.items():
                (DIR / name).write_bytes(tar.extractfile(member).read())


def main(argv):
    if argv not in (["check"], ["write"]):
        sys.exit(__doc__)
    want, have = wanted_version(), vendored_version()
    if argv == ["write"] and want != have:
        write(want)
        have = vendored_version()
    print(f"plotly.py ships plotly.js {want}; {DIR.relative_to(ROOT)} holds {PACKAGE} {have}")
    sys.exit(0 if want == have else 1)


if __name__ == "__main__":
    main(sys.argv[1:])

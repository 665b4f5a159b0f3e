"""``python -m rfexplore.explorable [OUT] [--small]``: build the offline explorable (default
``_build/explorable/tour.html``; ``--small``, or the environment variable ``CI=1``, builds the test grid)."""

import argparse
import os
import sys

from . import FULL_GRID, SMALL_GRID, build_explorable


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rfexplore.explorable", description=__doc__)
    ap.add_argument("out", nargs="?", default="_build/explorable/tour.html")
    ap.add_argument("--small", action="store_true", help="the small test grid (default when CI=1)")
    args = ap.parse_args(argv)
    small = args.small or os.environ.get("CI", "") not in ("", "0")
    grid = SMALL_GRID if small else FULL_GRID
    print(f"computing {grid.n_pools} pools of {grid.pool_size} features{' (small grid)' if small else ''} ...",
          file=sys.stderr)
    build = build_explorable(args.out, grid=grid, progress=sys.stderr)
    print(f"wrote {build.path}: {build.size / 1e6:.1f} MB in {build.seconds:.0f} s; open it in a browser "
          "(no server, no network needed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

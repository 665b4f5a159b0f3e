"""``python -m rfexplore.explorable [OUT] [--small]``: build the offline explorable (default
``_build/explorable/tour.html``; ``--small``, or the environment variable ``CI=1``, builds the test grid)."""

import argparse
import os
import sys

import torch

from . import FULL_GRID, SMALL_GRID, build_explorable


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rfexplore.explorable", description=__doc__)
    ap.add_argument("out", nargs="?", default="_build/explorable/tour.html")
    ap.add_argument("--small", action="store_true", help="the small test grid (default when CI=1)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (default 1: the work is many small solves, where more threads only "
                         "contend; also the same bytes on every run)")
    args = ap.parse_args(argv)
    if args.threads < 1:
        ap.error(f"--threads must be a positive integer, got {args.threads}")
    torch.set_num_threads(args.threads)
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

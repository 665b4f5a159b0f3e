"""An offline, single-file explorable of the tour: exact numbers precomputed on a grid, selected in the
browser, the configuration in the URL hash. ``python -m rfexplore.explorable`` (``make explorable``) writes
``_build/explorable/tour.html``.
"""

from .config import HASH_KEYS, check_config, parse_hash, to_hash
from .data import FULL_GRID, SMALL_GRID, ExplorableData, ExplorableGrid, explorable_data
from .page import MAX_PAGE_BYTES, ExplorableBuild, build_explorable, render_explorable
from .sizes import weight_sizes

__all__ = ["FULL_GRID", "HASH_KEYS", "MAX_PAGE_BYTES", "SMALL_GRID", "ExplorableBuild", "ExplorableData",
           "ExplorableGrid", "build_explorable", "check_config", "explorable_data", "parse_hash",
           "render_explorable", "to_hash", "weight_sizes"]

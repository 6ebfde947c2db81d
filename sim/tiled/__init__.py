"""A city too large for one process, on a Dask cluster: coverage and the camera plan computed in tiles.

The city is cut into tiles with a halo of the longest camera range (:mod:`twin.tiles`, the
geometry); here each tile runs on a Dask worker and the answers are merged into the same outputs
as an untiled run. :func:`tiled_coverage` covers; :func:`tiled_plan` sites new cameras (lazy greedy
over all tiles with exact gains across tile edges, then the exact MILP per district); :func:`tiled_fire`
runs the fire model with its camera sighting in tiles.
"""

from ._cluster import ClusterError, dask_client
from ._coverage import DEFAULT_TILE_M, TiledCoverage, tiled_coverage
from ._fire import TiledSightings, tiled_fire
from ._plan import tiled_plan

__all__ = [
    "DEFAULT_TILE_M",
    "ClusterError",
    "TiledCoverage",
    "TiledSightings",
    "dask_client",
    "tiled_coverage",
    "tiled_fire",
    "tiled_plan",
]

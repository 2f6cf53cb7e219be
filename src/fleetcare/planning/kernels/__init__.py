"""Compiled (Numba) kernels of the planning maths, one module per idea.

- ``backorders``: the pipeline's pmf, EBO(s) and VBO(s) (``backorder_table``), VARI-METRIC's
  ``pipeline`` from a parent's backorders, a leaf's values;
- ``levels``: the own levels a location tries (``upstream_levels``);
- ``hull``: upper concave hulls, and the sum of concave curves as a merge of segments;
- ``workspace``: the buffers of one location's hull, in one object;
- ``children``: one level of a location: its children's curves merged, added to its hull;
- ``tree``: one part's hull over its resupply tree (``part_hull``, ``depth_first``);
- ``pmf``: the exact model's pmf operations, written into the caller's buffers;
- ``compound``: the exact terms of compound-Poisson-geometric parts (``compound_terms``);
- ``records``: JSON text of nested records spliced from encoded numbers (``splice_groups``).
"""

from fleetcare.planning.kernels.backorders import (
    FLOOR,
    POISSON_TOLERANCE,
    RELATIVE_TAIL,
    backorder_table,
    pipeline,
)
from fleetcare.planning.kernels.compound import compound_terms
from fleetcare.planning.kernels.hull import MIN_GAIN, upper_hull
from fleetcare.planning.kernels.levels import (
    DENSE_BELOW,
    DENSE_SIGMAS,
    GRID_LOSS,
    LEVELS_PER_SIGMA,
    upstream_levels,
)
from fleetcare.planning.kernels.tree import depth_first, part_hull

__all__ = [
    "DENSE_BELOW",
    "DENSE_SIGMAS",
    "FLOOR",
    "GRID_LOSS",
    "LEVELS_PER_SIGMA",
    "MIN_GAIN",
    "POISSON_TOLERANCE",
    "RELATIVE_TAIL",
    "backorder_table",
    "compound_terms",
    "depth_first",
    "part_hull",
    "pipeline",
    "upper_hull",
    "upstream_levels",
]

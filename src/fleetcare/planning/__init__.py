"""Multi-echelon spare-parts planning (VARI-METRIC): pure NumPy and Numba, no database.

``read_problem`` parses a ``fleetcare-plan/1`` file into a frozen ``PlanningProblem``;
``evaluate`` gives the availability and backorders of a stock plan; ``optimise`` walks the
availability-against-cost curve by marginal analysis.
"""

from fleetcare.planning.kernels import backorder_table
from fleetcare.planning.optimise import Curve, CurvePoint, OptimiseParams, optimise
from fleetcare.planning.problem import PlanningProblem, ProblemError, read_problem, read_stock
from fleetcare.planning.varimetric import Evaluation, evaluate

__all__ = [
    "Curve",
    "CurvePoint",
    "Evaluation",
    "OptimiseParams",
    "PlanningProblem",
    "ProblemError",
    "backorder_table",
    "evaluate",
    "optimise",
    "read_problem",
    "read_stock",
]

"""typorisk: typo-domain risk intelligence.

Public API::

    from typorisk import parse_target, permute
    for cand in permute(["pentagon.mil"], top=10):
        print(cand.domain, cand.kinds, cand.likelihood)
"""

from typorisk.errors import InvalidTargetError, TyporiskError, UnknownKindError
from typorisk.model import Candidate, Target
from typorisk.parse.targets import iter_targets, parse_target
from typorisk.permute import Model, permute

__version__ = "0.1.0"

__all__ = [
    "Candidate",
    "InvalidTargetError",
    "Model",
    "Target",
    "TyporiskError",
    "UnknownKindError",
    "__version__",
    "iter_targets",
    "parse_target",
    "permute",
]

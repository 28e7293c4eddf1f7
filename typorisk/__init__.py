"""typorisk: typo-domain risk intelligence.

Public API::

    from typorisk import ScanOptions, permute, scan
    for cand in permute(["pentagon.mil"], top=10):
        print(cand.domain, cand.kinds, cand.likelihood)
    for record in scan(["pentagon.mil"], ScanOptions(top=10, resolve=False)):
        print(record.candidate.domain, record.candidate.likelihood)

Importing ``typorisk`` is cheap: the errors and the record types load at once; the functions
and types that need the Public Suffix List, the permutation tables or the network stack
(``permute``, ``parse_target``, ``scan``...) load on first use, so ``typorisk --help`` does not
pay for them.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from typorisk.errors import (
    DataFileError,
    DuplicateKindError,
    InvalidTargetError,
    ResolverConfigError,
    ResolverUnreachableError,
    RunIncompleteError,
    ScanOptionError,
    TyporiskError,
    UnknownKindError,
)
from typorisk.kit.about import __version__  # the one place the version is written
from typorisk.kit.lazy import lazy_names
from typorisk.model import Candidate, Target

if TYPE_CHECKING:
    from typorisk.parse.targets import iter_targets, parse_target
    from typorisk.permute import Model, permute
    from typorisk.pipeline import Clients, ScanOptions, ScanRecord, ascan, scan


__all__ = [
    "Candidate",
    "Clients",
    "DataFileError",
    "DuplicateKindError",
    "InvalidTargetError",
    "Model",
    "ResolverConfigError",
    "ResolverUnreachableError",
    "RunIncompleteError",
    "ScanOptionError",
    "ScanOptions",
    "ScanRecord",
    "Target",
    "TyporiskError",
    "UnknownKindError",
    "__version__",
    "ascan",
    "iter_targets",
    "parse_target",
    "permute",
    "scan",
]

_LAZY = {
    "iter_targets": "typorisk.parse.targets",
    "parse_target": "typorisk.parse.targets",
    "Model": "typorisk.permute",
    "Clients": "typorisk.pipeline",
    "ScanOptions": "typorisk.pipeline",
    "ScanRecord": "typorisk.pipeline",
    "ascan": "typorisk.pipeline",
    "scan": "typorisk.pipeline",
}
"""Public name -> the module that defines it, imported on first access."""


if not TYPE_CHECKING:  # type checkers see the imports above, so a misspelt name stays an error
    __getattr__ = lazy_names(__name__, _LAZY)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The type of the ``typorisk`` module: keeps ``typorisk.permute`` the function.

    The subpackage :mod:`typorisk.permute` has the function's name, and the import system binds
    a subpackage on its parent when it is first imported. A lazy ``permute`` would then turn
    into the subpackage whenever some module imported ``typorisk.permute.*`` first; a property
    on the module's type is looked up before the module's namespace, so it cannot be replaced.
    """

    @property
    def permute(self) -> Any:
        """:func:`typorisk.permute.permute` (imported on first use)."""
        return importlib.import_module("typorisk.permute").permute

    @permute.setter
    def permute(self, value: object) -> None:
        # Only the import system's binding of the subpackage is accepted, and then ignored.
        if getattr(value, "__name__", None) != "typorisk.permute":
            raise AttributeError("typorisk.permute is the function and cannot be replaced")


sys.modules[__name__].__class__ = _Package

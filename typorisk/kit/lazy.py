"""Names of a package loaded on first use (PEP 562), so that importing the package costs only
what the caller touches: ``typorisk``, ``typorisk.pipeline`` and ``typorisk.writers`` use it
(start-up: ``tests/benchmarks/bench_startup.py``, ``tests/cli/test_lazy_cli.py``)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: each name of ``where`` (name → the module that
    defines it) is imported from its module on first access and kept in the package's
    namespace; any other name raises :class:`AttributeError`."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__

"""The permutation engine: likely typos of protected domains, ranked by a typing model."""

from typorisk.permute.generate import generate, make_context, permute, permute_domains
from typorisk.permute.likelihood import DEFAULT_MODEL, Model
from typorisk.permute.registry import OPERATORS, groups, select_kinds

__all__ = [
    "DEFAULT_MODEL",
    "OPERATORS",
    "Model",
    "generate",
    "groups",
    "make_context",
    "permute",
    "permute_domains",
    "select_kinds",
]

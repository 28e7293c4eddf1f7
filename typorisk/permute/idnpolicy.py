"""Which scripts a registry accepts in a registrable label: policy as data.

Loaded from ``typorisk/data/idn_policy.json`` (or a user file of the same shape). The lookup walks
from the full suffix to its parent (``co.uk`` → ``uk``) and falls back to ``default``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from typorisk.errors import DataFileError


@dataclass(frozen=True, slots=True)
class SuffixPolicy:
    """IDN rules of one suffix."""

    scripts: frozenset[str]
    """ISO 15924 codes accepted besides ASCII (``Latn`` means Latin letters with diacritics)."""
    mixed: bool
    """Whether one label may mix Latin with another script."""


@dataclass(frozen=True, slots=True)
class IdnPolicy:
    """IDN policy for every suffix; see the module docstring for the lookup order."""

    default: SuffixPolicy
    suffixes: dict[str, SuffixPolicy]

    def for_suffix(self, suffix: str) -> SuffixPolicy:
        """The policy governing labels directly under ``suffix`` (A-label)."""
        probe = suffix
        while probe:
            found = self.suffixes.get(probe)
            if found is not None:
                return found
            probe = probe.partition(".")[2]
        return self.default


def _policy(entry: object, where: str) -> SuffixPolicy:
    if not isinstance(entry, dict) or not isinstance(entry.get("scripts"), list):
        raise DataFileError(f"IDN policy {where}: expected {{'scripts': [...], 'mixed': bool}}")
    return SuffixPolicy(frozenset(str(s) for s in entry["scripts"]), bool(entry.get("mixed")))


def parse_idn_policy(text: str, source: str = "<text>") -> IdnPolicy:
    """Parse an IDN policy JSON document; raises :class:`DataFileError` naming the problem."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(f"IDN policy {source} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("suffixes"), dict):
        raise DataFileError(f"IDN policy {source}: expected an object with 'suffixes'")
    default = _policy(doc.get("default", {"scripts": []}), f"{source} default")
    suffixes = {str(k).lower(): _policy(v, f"{source} {k}") for k, v in doc["suffixes"].items()}
    return IdnPolicy(default, suffixes)


@functools.cache
def load_idn_policy(path: Path | None = None) -> IdnPolicy:
    """Load the IDN policy from ``path`` or the shipped ``idn_policy.json``. Cached."""
    if path is None:
        text = resources.files("typorisk.data").joinpath("idn_policy.json").read_text("utf-8")
        return parse_idn_policy(text, "idn_policy.json")
    try:
        return parse_idn_policy(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise DataFileError(f"cannot read IDN policy {path}: {exc}") from exc

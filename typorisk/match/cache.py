"""A file cache of the matcher's generated candidates (rule a), for daily watch runs.

Generating the candidates of 1,000 targets takes ~18 s CPU (the permutation engine, ~18 ms per
target even where the two-edit walk is skipped); reading them back from this cache ~0.9 s.
``typorisk watch`` runs daily against the same targets, so the candidates are kept in one JSON
file per key next to the store (``typorisk-candidates-KEY.json``), where KEY is a hash of
everything they depend on (:func:`cache_key`): the targets in order, the settings that shape
the set (``top``, the allowlist, and which targets skip the two-edit walk), the package
version, the source of the permutation, parsing and matching code and the data files they read
(the Public Suffix List in force, the IDN policy, the word confusions). Change any of them and
the key changes, so a stale file is never used; delete the files at any time.

The file is JSON (no pickle: a cache beside a store may be written by someone else) and every
column is checked when loaded (:func:`parse_cache`); a file that does not check out is ignored
and rewritten. Writes are atomic (:func:`~typorisk.kit.atomic.atomic_write_text`); a directory
that cannot be written just means no cache.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path

import typorisk
from typorisk.errors import OutputWriteError
from typorisk.kit.atomic import atomic_write_text
from typorisk.parse.psl import snapshot_path

FORMAT = "typorisk-lookalike-candidates/2"
PREFIX = "typorisk-candidates-"
KEEP = 4
"""Cache files kept per directory (the most recently written; older ones are removed)."""
_CODE = ("typorisk.permute", "typorisk.parse", "typorisk.match")
_DATA = ("idn_policy.json", "word_confusions.tsv")

Entries = dict[str, tuple[int, str, float]]
"""A name (candidate domain or label) → (target position, detail, likelihood in [0, 1])."""


def _code_digest() -> bytes:
    digest = hashlib.sha256()
    for package in _CODE:
        for entry in sorted(resources.files(package).iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".py"):
                digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    for name in _DATA:
        digest.update(resources.files("typorisk.data").joinpath(name).read_bytes())
    digest.update(snapshot_path().read_bytes())
    return digest.digest()


def cache_key(targets: Iterable[str], shape: Mapping[str, object]) -> str:
    """The hex key of a candidate set: ``targets`` (registrable domains, in matcher order) and
    ``shape`` (the settings that change the set, JSON-serialisable), with the package version
    and the code and data the candidates are generated from (~2 ms to hash)."""
    digest = hashlib.sha256()
    digest.update(json.dumps([FORMAT, typorisk.__version__, list(targets), dict(shape)],
                             sort_keys=True).encode())  # fmt: skip
    digest.update(_code_digest())
    return digest.hexdigest()[:32]


def cache_path(directory: Path, key: str) -> Path:
    """Where the candidates of ``key`` are kept in ``directory``."""
    return directory / f"{PREFIX}{key}.json"


def _columns(entries: Entries, details: dict[str, int]) -> dict[str, object]:
    return {
        "names": "\n".join(entries),
        "where": [where for where, _, _ in entries.values()],
        "detail": [details.setdefault(detail, len(details)) for _, detail, _ in entries.values()],
        "likelihood": [likelihood for _, _, likelihood in entries.values()],
    }


def dump_cache(key: str, targets: list[str], candidates: Entries, labels: Entries) -> str:
    """The JSON text of a candidate set. Columns, not rows: the names newline-joined in one
    string, target and detail positions as integer lists, each detail stored once (decoding
    and checking 500,000 entries then takes ~0.4 s, not the ~1.8 s of one list per entry)."""
    details: dict[str, int] = {}
    body = {"candidates": _columns(candidates, details), "labels": _columns(labels, details)}
    document = {"format": FORMAT, "key": key, "targets": targets, "details": list(details)}
    return json.dumps({**document, **body}, separators=(",", ":"))


def _checked(names: object, where: object, detail: object, limits: tuple[int, int]) -> bool:
    """True when the three columns are a string and two lists of in-range integers of one
    length (C loops: ``map``, ``set``, ``min``, ``max``)."""
    if not (isinstance(names, str) and isinstance(where, list) and isinstance(detail, list)):
        return False
    if not len(names.split("\n") if names else ()) == len(where) == len(detail):
        return False
    if not where:
        return True
    if set(map(type, where)) != {int} or set(map(type, detail)) != {int}:
        return False
    bounds: list[int] = [min(where), max(where), min(detail), max(detail)]
    return bounds[0] >= 0 and bounds[2] >= 0 and bounds[1] < limits[0] and bounds[3] < limits[1]


def _entries(part: object, targets: int, details: list[str]) -> Entries | None:
    """The entries of one column set, or None unless every column checks out."""
    if not isinstance(part, dict):
        return None
    names, where, detail = part.get("names"), part.get("where"), part.get("detail")
    if not _checked(names, where, detail, (targets, len(details))):
        return None
    assert isinstance(names, str) and isinstance(where, list) and isinstance(detail, list)
    likelihood = part.get("likelihood")
    if not _probabilities(likelihood, len(where)):
        return None
    assert isinstance(likelihood, list)
    split = names.split("\n") if names else []
    rows = zip(where, map(details.__getitem__, detail), map(float, likelihood), strict=True)
    return dict(zip(split, rows, strict=True))


def _probabilities(column: object, length: int) -> bool:
    """True when ``column`` is a list of ``length`` numbers in [0, 1]."""
    if not isinstance(column, list) or len(column) != length:
        return False
    if not column:
        return True
    if set(map(type, column)) - {int, float}:
        return False
    return bool(min(column) >= 0.0 and max(column) <= 1.0)


def parse_cache(text: str, key: str, targets: list[str]) -> tuple[Entries, Entries] | None:
    """(candidates, labels) of a cache file's text, or None unless it is a well-formed file
    of ``key`` for exactly ``targets``: names a string, target positions in range, detail
    positions in range, likelihoods in [0, 1], the four columns of one length. Pure; never
    raises on bad text."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("key") != key:
        return None
    details = doc.get("details")
    if doc.get("targets") != targets or not isinstance(details, list):
        return None
    if set(map(type, details)) - {str}:
        return None
    candidates = _entries(doc.get("candidates"), len(targets), details)
    labels = _entries(doc.get("labels"), len(targets), details)
    if candidates is None or labels is None:
        return None
    return candidates, labels


def load_cache(directory: Path, key: str, targets: list[str]) -> tuple[Entries, Entries] | None:
    """The cached candidate set of ``key`` in ``directory``, or None (absent, unreadable or
    not checking out)."""
    try:
        text = cache_path(directory, key).read_text("utf-8")
    except (OSError, UnicodeError):
        return None
    return parse_cache(text, key, targets)


def save_cache(directory: Path, key: str, text: str) -> bool:
    """Write a cache file atomically and drop the oldest beyond :data:`KEEP`; False when the
    directory cannot be written (the run goes on without a cache)."""
    try:
        atomic_write_text(cache_path(directory, key), text)
        kept = sorted(directory.glob(f"{PREFIX}*.json"), key=lambda p: p.stat().st_mtime)
        for old in kept[:-KEEP]:
            old.unlink(missing_ok=True)
    except (OSError, OutputWriteError):
        return False
    return True

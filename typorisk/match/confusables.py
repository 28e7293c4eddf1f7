"""UTS #39 confusable skeletons, from the Unicode ``confusables.txt`` shipped in ``typorisk/data``.

``skeleton(X) = NFD(map(NFD(X)))`` where ``map`` replaces every code point that has a line in
``confusables.txt`` by its prototype (UTS #39, section 4). Two strings with equal skeletons are
confusable: ``pаypal`` (Cyrillic ``а``) and ``paypal`` share the skeleton ``paypal``.

The file is parsed once per process (about 6,300 lines, a few milliseconds) into a
:meth:`str.translate` table. The snapshot's version is :data:`VERSION` (see ``SOURCES.md``).

For ASCII DNS labels only three LDH characters have a prototype (``m`` → ``rn``, ``0`` → ``O``,
``1`` → ``l``), so every ASCII label with a given skeleton can be listed in advance
(:func:`ascii_preimages`): the matcher then decides rule (b) for an ASCII name with one hash
lookup instead of computing its skeleton — that is what keeps it above 1M names/s.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from importlib import resources

from typorisk.errors import DataFileError

DATA_FILE = "confusables.txt"
MAX_PREIMAGES = 4096
"""At most this many ASCII labels are listed per skeleton (a label with twelve ``l`` would have
4,096); beyond, the rest are left to the other rules."""


def _parse(text: str) -> tuple[dict[int, str], str]:
    """(translate table, version line) of the text of ``confusables.txt``. Pure."""
    table: dict[int, str] = {}
    version = "unknown"
    for raw in text.splitlines():
        if raw.startswith("# Version:"):
            version = raw.removeprefix("# Version:").strip()
        line = raw.split("#", 1)[0].strip().lstrip("\ufeff")
        if not line:
            continue
        fields = [f.strip() for f in line.split(";")]
        if len(fields) < 2:
            raise DataFileError(f"{DATA_FILE}: malformed line {raw!r}; reinstall typorisk")
        source = int(fields[0], 16)
        table[source] = "".join(chr(int(cp, 16)) for cp in fields[1].split())
    return table, version


@functools.cache
def _loaded() -> tuple[dict[int, str], str]:
    text = resources.files("typorisk.data").joinpath(DATA_FILE).read_text("utf-8-sig")
    return _parse(text)


def version() -> str:
    """The Unicode version of the shipped ``confusables.txt`` (e.g. ``13.0.0``)."""
    return _loaded()[1]


def skeleton(text: str) -> str:
    """The UTS #39 skeleton of ``text`` (any string; case is kept, as UTS #39 does)."""
    table = _loaded()[0]
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", text).translate(table))


@functools.cache
def _latin_table() -> dict[int, str]:
    table = _loaded()[0]
    return {cp: proto.lower() for cp, proto in table.items()
            if len(proto) == 1 and proto.isascii() and proto.isalnum() and cp > 127}  # fmt: skip


def latin_fold(text: str) -> str:
    """``text`` with every non-ASCII character whose UTS #39 prototype is one ASCII letter or
    digit replaced by it, lowercase (``micrоsoκt`` → ``microsoκt``); other characters are kept.
    Unlike :func:`skeleton` it leaves ASCII alone (no ``m`` → ``rn``), so an edit distance to
    an ASCII label stays an edit distance."""
    return text.translate(_latin_table())


def ascii_preimages(label: str, limit: int = MAX_PREIMAGES) -> set[str]:
    """Every lowercase ASCII LDH string whose skeleton equals ``skeleton(label)``, at most
    ``limit`` of them (``label`` itself first: it is always included when ASCII).

    Only ``m``, ``0`` and ``1`` have prototypes among LDH characters (``rn``, ``O``, ``l``), so
    the preimages are the ways of writing each ``rn`` as ``rn`` or ``m``, each ``l`` as ``l``
    or ``1`` and each ``O`` as ``0``; a skeleton with any other non-LDH character has none.
    """
    table = _loaded()[0]
    ldh = "abcdefghijklmnopqrstuvwxyz0123456789-"
    sources: dict[str, list[str]] = {}
    for char in ldh:
        sources.setdefault(table.get(ord(char), char), []).append(char)
    target = skeleton(label)
    pieces: list[list[str]] = []
    i = 0
    while i < len(target):
        options = list(sources.get(target[i], []))
        if target.startswith("rn", i):
            pieces.append(["rn", *[s for s in sources.get("rn", [])]])
            i += 2
            continue
        if not options:
            return set()
        pieces.append(options)
        i += 1
    out: set[str] = set()
    for combo in itertools.islice(itertools.product(*pieces), limit):
        out.add("".join(combo))
    return out

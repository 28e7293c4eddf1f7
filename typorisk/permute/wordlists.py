"""Combosquat word files (``--words``, feed key ``scan.words``): one word a line, ``#`` comments.

Several files add up, in order, each word once. Read through :class:`~typorisk.kit.reading.
LineReader`, so an oversized file or line is one clear :class:`~typorisk.errors.DataFileError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from typorisk.errors import DataFileError
from typorisk.kit.reading import LineReader
from typorisk.parse.names import label_problem


def parse_words(lines: Iterable[tuple[int, str]], source: str) -> list[str]:
    """The words of numbered lines; raises :class:`DataFileError` naming ``source:line`` for a
    word that is not a host-name label."""
    words: list[str] = []
    for number, raw in lines:
        word = raw.split("#", 1)[0].strip().lower()
        if not word:
            continue
        if label_problem(word):
            raise DataFileError(
                f"{source}:{number}: {raw.strip()!r} is not a host-name word "
                "(letters, digits, inner hyphens; at most 63 characters)"
            )
        words.append(word)
    return words


def read_word_files(paths: Iterable[str | Path]) -> list[str]:
    """Every word of every file, in order, each once."""
    words: list[str] = []
    for path in paths:
        with LineReader(str(path)) as reader:
            lines = (
                (n, raw.decode("utf-8", "replace").rstrip("\r")) for n, raw in reader.numbered()
            )
            words.extend(parse_words(lines, str(path)))
    return list(dict.fromkeys(words))

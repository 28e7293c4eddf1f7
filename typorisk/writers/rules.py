"""Detection rules: YARA rules and one regular expression over the listed names.

Both are what ail-typo-squatting offers for hunting look-alikes in mail, proxy logs and files
rather than blocking them at a resolver. Only :class:`~typorisk.writers.entries.Entry` names reach
them, and an entry's domain passed the LDH A-label rule (``[a-z0-9.-]`` only), so no quote,
backslash, brace or newline can enter a YARA string or a regex; the one metacharacter a name
holds, ``.``, is escaped here. Text in YARA comments and metadata goes through
:func:`~typorisk.writers.entries.comment_safe` (no ``"``, ``\\``, newline or ``*/``).

Consumers, and how the tests prove them: ``yara-python`` compiles the rules and matches every
name (and none of the protected ones); Python's :mod:`re` compiles the regex, matches every
listed name and its subdomains, and no protected name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TextIO

from typorisk.writers.entries import Entry, Row, WriterOptions, comment_safe, entries, header_lines

YARA_STRINGS_PER_RULE = 5000
"""Strings per YARA rule: YARA refuses a rule with more than 10,000 (``YR_MAX_STRINGS_PER_RULE``);
a target with more look-alikes gets several rules (``..._part2``)."""

_IDENTIFIER_UNSAFE = re.compile(r"[^a-z0-9_]")
YARA_IDENTIFIER_MAX = 128
"""YARA's limit on an identifier's length (``YR_MAX_IDENTIFIER_LENGTH`` minus margin)."""


def _rule_name(target: str, part: int) -> str:
    slug = _IDENTIFIER_UNSAFE.sub("_", target or "unattributed")
    suffix = f"_part{part}" if part > 1 else ""
    return f"typorisk_{slug}"[: YARA_IDENTIFIER_MAX - len(suffix)] + suffix


def _by_target(stream: Iterable[Entry]) -> dict[str, list[Entry]]:
    grouped: dict[str, list[Entry]] = {}
    for entry in stream:
        grouped.setdefault(entry.target, []).append(entry)
    return grouped


def _yara_rule(name: str, target: str, group: list[Entry], options: WriterOptions) -> list[str]:
    date = options.now.astimezone(dt.UTC).strftime("%Y-%m-%d")
    lines = [
        f"rule {name}",
        "{",
        "    meta:",
        f'        description = "look-alikes of {comment_safe(target or "no target", 80)}"',
        f'        feed = "{comment_safe(options.feed, 80)}"',
        f'        generator = "{comment_safe(options.generator, 80)}"',
        f'        date = "{date}"',
        f"        names = {len(group)}",
        "    strings:",
    ]
    for i, entry in enumerate(group):
        lines.append(f"        // {entry.reason()}")
        lines.append(f'        $d{i} = "{entry.domain}" ascii wide nocase fullword')
    lines += ["    condition:", "        any of them", "}", ""]
    return lines


def write_yara(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """YARA rules, one per protected target (split every :data:`YARA_STRINGS_PER_RULE` names):
    each name is a ``nocase fullword`` string in ASCII and UTF-16 (``wide``), so a rule fires on
    the name or a subdomain of it in a mail, a log or a document, and ``fullword`` keeps a
    look-alike that is a substring of the real name (``entagon.mil`` in ``pentagon.mil``) from
    firing on the real one. Holds every entry (about 200 bytes each) to group them by target.
    Returns the number of names written."""
    for line in header_lines(options, "YARA rules"):
        out.write(f"// {line}\n")
    count = 0
    seen: set[str] = set()
    for target, group in _by_target(entries(rows, options)).items():
        for part, start in enumerate(range(0, len(group), YARA_STRINGS_PER_RULE), start=1):
            name = _rule_name(target, part)
            while name in seen:  # a-b.com and a.b-com share a slug
                name = f"{name[: YARA_IDENTIFIER_MAX - 2]}_x"
            seen.add(name)
            chunk = group[start : start + YARA_STRINGS_PER_RULE]
            out.write("\n".join(_yara_rule(name, target, chunk, options)) + "\n")
            count += len(chunk)
    out.write(f"// {count} names\n")
    return count


def name_pattern(domain: str) -> str:
    """``domain`` (an LDH A-label, :func:`~typorisk.writers.entries.check_name`) as a regex
    literal: only ``.`` is a metacharacter among ``[a-z0-9.-]``. ``re.escape`` is not used
    because it also escapes ``-``, which RE2 and ECMAScript (``u`` flag) reject outside a class."""
    return domain.replace(".", r"\.")


Trie = dict[str, "Trie"]


def trie_pattern(names: Iterable[str]) -> str:
    """An alternation of ``names`` (LDH A-labels) factored as a character trie: ``ab.com`` and
    ``ac.com`` give ``a(?:b\\.com|c\\.com)``, so a regex engine walks one branch per character
    instead of trying every name in turn. The language is exactly the set of names.

    Why hand-rolled (no maintained library does only this): Python's ``re`` tries a flat
    alternation name by name. ``tests/benchmarks/bench_rules.py`` (median of 3 runs, flat and
    trie in the same process; three invocations on the 2-core machine loaded by other jobs):
    10,000 names, 78–94 µs against 2.3–7.8 µs a match (12–34×); 50,000 names, 622–818 µs
    against 3.4–5.5 µs (114–244×). ``tests/writers/test_rules.py`` checks that both accept the
    same names. Group nesting is at most the length of a name (253), below RE2's limit of 1,000."""
    root: Trie = {}
    for name in names:
        node = root
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _branches(root)


def _branches(node: Trie) -> str:
    # iterative over single-child chains so that long names do not recurse per character
    parts = []
    for first, below in sorted(node.items()):
        if not first:
            continue
        run, child = name_pattern(first), below
        while len(child) == 1 and "" not in child:
            ((ch, child),) = child.items()
            run += name_pattern(ch)
        parts.append(run + _branches(child))
    if not parts:
        return ""
    body = parts[0] if len(parts) == 1 else f"(?:{'|'.join(parts)})"
    if "" in node:
        return f"(?:{body})?" if len(parts) == 1 else f"{body}?"
    return body


def write_regex(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """One regular expression on one line that matches a whole host name when it is a listed
    name or (setting ``subdomains``, default true) a name below one, case-insensitively, with an
    optional trailing dot: ``(?i)^(?:[a-z0-9_-]+\\.)*(?:NAMES)\\.?$``, the names factored as a
    trie (:func:`trie_pattern`). The syntax is the common subset of Python ``re``, PCRE and RE2.
    No entry gives ``(?!)``, which never matches. The file has no comments (regex files have no
    comment syntax). Returns the names written."""
    names = [e.domain for e in entries(rows, options)]
    if not names:
        out.write("(?!)\n")
        return 0
    prefix = r"(?:[a-z0-9_-]+\.)*" if options.get("subdomains", True) is not False else ""
    out.write(f"(?i)^{prefix}(?:{trie_pattern(names)})\\.?$\n")
    return len(names)

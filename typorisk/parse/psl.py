"""The Public Suffix List (ICANN section), loaded offline from the shipped snapshot.

Parsing is a pure function of the file's text (:func:`parse_psl`); loading reads the snapshot
bundled in ``typorisk/data/`` (or a path given explicitly). Nothing here touches the network.
This is typorisk's one PSL engine: targets (:mod:`typorisk.parse.targets`), candidates
(:mod:`typorisk.permute`) and logged names (:mod:`typorisk.match`) are all split here, so no
second engine can disagree. Why not tldextract's: importing it costs ~95 ms (it pulls in
requests), a third of ``typorisk permute``'s whole start-up (``tests/benchmarks/
bench_startup.py``), and its splitter is a trie object where the generator's hot path wants a
set walk. tldextract stays the reference: ``typorisk update-data`` reads every downloaded list
with both parsers (:func:`cross_check`) and refuses one they read differently.
Only the ICANN section is used: a typo is a risk where a registry sells names, and private
suffixes (``github.io``) are outside any registry's sale.

All suffixes are stored as lowercase A-labels (Unicode PSL entries are converted once at load).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from typorisk.errors import DataFileError
from typorisk.kit.paths import user_cache_dir

DATA_PACKAGE = "typorisk.data"
PSL_FILENAME = "public_suffix_list.dat"


_BEGIN = "// ===BEGIN ICANN DOMAINS==="
_END = "// ===END ICANN DOMAINS==="
_VERSION = re.compile(r"^[ \t]*// VERSION:(.*)$", re.MULTILINE)


def _rule_alabel(rule: str) -> str:
    """A-label form of a whole rule (most are ASCII already)."""
    return rule if rule.isascii() else ".".join(_to_alabel(x) for x in rule.split("."))


def _to_alabel(label: str) -> str:
    """A-label of one PSL label (entries are trusted data; no IDNA 2008 validation needed)."""
    if label.isascii():
        return label
    return "xn--" + label.encode("punycode").decode("ascii")


@dataclass(frozen=True, slots=True)
class PublicSuffixList:
    """ICANN public suffix rules, with the lookups the permutation engine needs.

    Invariant: every string held is a lowercase A-label suffix without leading or trailing dot.
    """

    exact: frozenset[str]
    """Plain rules (``com``, ``co.uk``)."""
    wildcards: frozenset[str]
    """Parents of wildcard rules: ``*.ck`` is stored as ``ck``."""
    exceptions: frozenset[str]
    """Exception rules without the ``!`` (``www.ck``)."""
    version: str
    """The snapshot's ``VERSION`` line, or ``"unknown"``."""
    nodes: frozenset[str] = frozenset()
    """Every rule and every dot-suffix of a rule: where a right-to-left walk may go on."""
    _children: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)

    def split(self, name: str) -> tuple[str, str] | None:
        """Split ``name`` into (registrable domain, public suffix) under the PSL algorithm.

        Returns ``None`` when ``name`` is itself a public suffix or ends in no known suffix (the
        PSL's implicit ``*`` rule is deliberately not applied: an unknown TLD is not registrable).
        ``name`` must be a lowercase A-label without a trailing dot.
        """
        labels = name.split(".")
        j = len(labels) - 1
        current = labels[j]
        start = -1  # index of the first label of the public suffix
        # Walk right to left, as in a trie: an exception ends the walk, the longest rule wins.
        while True:
            if current in self.exceptions:
                start = j + 1
                break
            if current in self.exact:
                start = j
            if j > 0 and current in self.wildcards:
                start = j - 1
            if j == 0 or current not in self.nodes:
                break
            j -= 1
            current = f"{labels[j]}.{current}"
        if start <= 0:
            return None
        return ".".join(labels[start - 1 :]), ".".join(labels[start:])

    def is_suffix(self, suffix: str) -> bool:
        """True when ``suffix`` is exactly a public suffix (plain or wildcard-implied)."""
        if suffix in self.exact:
            return True
        if suffix in self.exceptions:
            return False
        parent = suffix.partition(".")[2]
        return bool(parent) and parent in self.wildcards

    def children(self, suffix: str) -> tuple[str, ...]:
        """Plain suffixes one label below ``suffix`` (``uk`` → ``ac.uk``, ``co.uk`` ...), sorted."""
        if not self._children:
            grouped: defaultdict[str, list[str]] = defaultdict(list)
            for rule in self.exact:
                _, dot, parent = rule.partition(".")
                if dot:
                    grouped[parent].append(rule)
            self._children.update({k: tuple(sorted(v)) for k, v in grouped.items()})
        return self._children.get(suffix, ())


def parse_psl(text: str) -> PublicSuffixList:
    """Parse the text of ``public_suffix_list.dat``, keeping the ICANN section only.

    Only the lines between the ICANN markers are split (found with ``str.find``), and only a
    rule that is not ASCII goes label by label through punycode, and the walk's nodes are
    built a level at a time: a loop over every line with a join per rule and per node took
    38 ms, a sixth of ``typorisk resolve``'s start-up; this takes 11 ms.
    Raises :class:`DataFileError` when the ICANN section markers are missing.
    """
    exact: set[str] = set()
    wildcards: set[str] = set()
    exceptions: set[str] = set()
    found = _VERSION.findall(text)
    version = found[-1].strip() if found else "unknown"
    if _BEGIN not in text:
        raise DataFileError(
            "the Public Suffix List has no '===BEGIN ICANN DOMAINS===' section; "
            "use an unmodified public_suffix_list.dat"
        )
    at = 0
    while (begin := text.find(_BEGIN, at)) != -1:
        end = text.find(_END, begin)
        at = len(text) if end == -1 else end
        for raw in text[begin:at].splitlines():
            line = raw.strip()
            if not line or line.startswith("//"):
                continue
            rule = line.split(None, 1)[0].lower()
            if rule.startswith("!"):
                exceptions.add(_rule_alabel(rule[1:]))
            elif rule.startswith("*."):
                wildcards.add(_rule_alabel(rule[2:]))
            else:
                exact.add(_rule_alabel(rule))
    # every rule and each of its dot-suffixes, a level of labels at a time (each node is
    # walked once: a suffix already held has had, or will have, its own suffixes added)
    nodes = exact | wildcards | exceptions
    level = nodes
    while level:
        level = {rule.partition(".")[2] for rule in level if "." in rule} - nodes
        nodes |= level
    return PublicSuffixList(
        frozenset(exact), frozenset(wildcards), frozenset(exceptions), version, frozenset(nodes)
    )


def cross_check(text: str, psl: PublicSuffixList) -> None:
    """Check :func:`parse_psl`'s reading of ``text`` against tldextract's parser (the maintained
    reader of this format). ``typorisk update-data`` runs it on every download, so a change of
    the file format is caught before a refreshed list is used. Raises :class:`DataFileError`
    when the two disagree on the ICANN rules."""
    from tldextract.suffix_list import (  # noqa: PLC0415 - 95 ms of imports, only on refresh
        extract_tlds_from_suffix_list,
    )

    icann, _ = extract_tlds_from_suffix_list(text.partition("// ===END ICANN DOMAINS===")[0])
    theirs = {
        ".".join(_to_alabel(x) for x in rule.lower().lstrip("!*.").split(".")) for rule in icann
    }
    ours = psl.exact | psl.wildcards | psl.exceptions
    if theirs != ours:
        missing = sorted(theirs - ours)[:3] + sorted(ours - theirs)[:3]
        raise DataFileError(
            f"the Public Suffix List reads differently with tldextract ({len(theirs)} rules) "
            f"and typorisk ({len(ours)} rules), e.g. {', '.join(missing)}; keep the shipped copy"
        )


def shipped_path() -> Path:
    """Path of the PSL snapshot shipped in the package."""
    return Path(str(resources.files(DATA_PACKAGE).joinpath(PSL_FILENAME)))


def _version_of(path: Path) -> str:
    """The ``// VERSION:`` of a PSL file ("" when unreadable or absent)."""
    try:
        with path.open(encoding="utf-8") as handle:
            for _, line in zip(range(40), handle, strict=False):
                if line.startswith("// VERSION:"):
                    return line.removeprefix("// VERSION:").strip()
    except OSError:
        return ""
    return ""


@functools.cache
def snapshot_path() -> Path:
    """The PSL in force: the copy ``typorisk update-data`` left in the user cache when it is
    newer than the shipped snapshot, else the shipped one. No network, ever."""
    shipped = shipped_path()
    cached = user_cache_dir() / PSL_FILENAME
    if cached.is_file() and _version_of(cached) > _version_of(shipped):
        return cached
    return shipped


@functools.cache
def load_psl(path: Path | None = None) -> PublicSuffixList:
    """Load and parse the PSL from ``path`` (default: the shipped snapshot). Cached per path."""
    where = path or snapshot_path()
    try:
        text = where.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(f"cannot read the Public Suffix List at {where}: {exc}") from exc
    return parse_psl(text)

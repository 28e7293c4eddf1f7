"""Established domains: a top-sites list (Tranco-style ``rank,domain``), read offline.

A typo of a protected domain can be somebody else's long-standing domain (``mail.mil`` typed as
``mail.com``). Blocking it would break legitimate traffic, so the decisions (writers, policyd,
ranking) ask :func:`load_top_sites` whether a registrable domain is on the list, and at what
rank. Lookup order: the copy ``typorisk update-data --only top-sites`` left in the user cache,
else the snapshot shipped in ``typorisk/data/`` (see ``SOURCES.md`` there). Never the network.

File format, both copies: ``#`` comment lines (``# version: ...`` names the list), then
``rank,domain`` lines; ranks are the source list's, ascending; every domain is a registrable
domain (lowercase A-label) under the shipped ICANN suffix list, each listed once at its best rank.
"""

from __future__ import annotations

import functools
import gzip
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from typorisk.errors import DataFileError
from typorisk.kit.paths import user_cache_dir
from typorisk.parse.names import name_problem
from typorisk.parse.psl import PublicSuffixList

DATA_PACKAGE = "typorisk.data"
SHIPPED_FILENAME = "top_sites.csv.gz"
CACHE_FILENAME = "top_sites.csv"
DEFAULT_LIMIT = 100_000
"""Registrable domains kept from a refreshed list (the first 100,000 by rank)."""
MAX_LINE = 300
"""Longest line read (characters); longer lines are skipped (no domain is that long)."""
_VERSION = re.compile(r"#\s*version:\s*(.{1,200})")
_LINE = re.compile(r"^([0-9]{1,9}),([a-z0-9][a-z0-9.-]{0,252})$", re.MULTILINE)
"""A ``rank,domain`` line as :func:`render` writes it. The names are only compared with
candidates (validated names), never written out, so this coarse shape is enough."""


@dataclass(frozen=True, slots=True)
class TopSites:
    """A ranked list of established registrable domains."""

    ranks: Mapping[str, int] = field(default_factory=dict)
    """Registrable domain (lowercase A-label) → its rank in the source list (1 = most visited)."""
    version: str = ""
    """Which list this is (source and date), from its ``# version:`` line; ``""`` if none."""

    def rank(self, domain: str) -> int | None:
        """The rank of ``domain`` (a registrable domain, lowercase A-label), or ``None``."""
        return self.ranks.get(domain)

    def __len__(self) -> int:
        return len(self.ranks)


def parse_ranked(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """``(rank, name)`` of each well-formed ``rank,name`` line (Tranco's CSV, no header);
    comment, blank, over-long and malformed lines are skipped, names lowercased, a trailing
    dot dropped. Names are not checked against the suffix list here."""
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#") or len(line) > MAX_LINE:
            continue
        rank_text, comma, name = line.partition(",")
        if not comma or not rank_text.isdigit():
            continue
        name = name.strip().lower().rstrip(".")
        if name and not name_problem(name):
            yield int(rank_text), name


def registrable_ranks(
    ranked: Iterable[tuple[int, str]], psl: PublicSuffixList, limit: int = DEFAULT_LIMIT
) -> dict[str, int]:
    """Registrable domain → best rank, for the first ``limit`` distinct registrable domains of
    ``ranked`` (in rank order as given). Names under no ICANN suffix are dropped; a subdomain
    (``www.gov.uk``) counts for its registrable domain."""
    out: dict[str, int] = {}
    for rank, name in ranked:
        split = psl.split(name)
        if split is None:
            continue
        domain = split[0]
        if domain not in out:
            if len(out) >= limit:
                break
            out[domain] = rank
    return out


def render(ranks: Mapping[str, int], version: str) -> str:
    """The file text of a list: the ``# version:`` line, then ``rank,domain`` by rank."""
    lines = [f"# version: {version}", "# rank,domain (registrable domains, best rank each)"]
    lines += [f"{r},{d}" for d, r in sorted(ranks.items(), key=lambda kv: (kv[1], kv[0]))]
    return "\n".join(lines) + "\n"


def parse_top_sites(text: str) -> TopSites:
    """A :class:`TopSites` from the file text (as :func:`render` writes it): lines that are not
    ``rank,domain`` (a lowercase name of at most 253 octets) are skipped. Raises
    :class:`DataFileError` when no line holds a ranked domain. One regular expression over the
    whole text (the list is read at the start of every blocking output)."""
    lines = text.splitlines()
    version = ""
    for line in lines[:5]:
        found = _VERSION.match(line)
        if found:
            version = found.group(1).strip()
    # one pass of the regular expression over the text; reversed, so that the first (best)
    # rank of a name listed twice is the one kept
    ranks = {domain: int(rank) for rank, domain in reversed(_LINE.findall(text))}
    if not ranks:
        raise DataFileError("the top-sites list holds no 'rank,domain' line")
    return TopSites(ranks, version)


def shipped_path() -> Path:
    """The snapshot shipped in the package."""
    return Path(str(resources.files(DATA_PACKAGE).joinpath(SHIPPED_FILENAME)))


def snapshot_path() -> Path:
    """The list in force: the refreshed copy in the user cache when there is one, else the
    shipped snapshot."""
    cached = user_cache_dir() / CACHE_FILENAME
    return cached if cached.is_file() else shipped_path()


@functools.cache
def load_top_sites(path: Path | None = None) -> TopSites:
    """Load the list at ``path`` (default: :func:`snapshot_path`); ``.gz`` files are
    decompressed. Cached per path. Raises :class:`DataFileError` when it cannot be read."""
    where = path or snapshot_path()
    try:
        raw = where.read_bytes()
        if where.suffix == ".gz":
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8")
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as exc:
        raise DataFileError(f"cannot read the top-sites list at {where}: {exc}") from exc
    return parse_top_sites(text)


ESTABLISHED_YEARS = 5
"""A domain registered at least this many years before the run counts as established (RDAP
creation date), on the list or not."""


@dataclass(frozen=True, slots=True)
class Standing:
    """Why a typo candidate is not blocked: it is an established domain."""

    kind: str
    """``own`` (the brand's own: shares NS/MX/registrant with the target, or allowlisted) or
    ``third-party`` (established domain of another organisation)."""
    domain: str
    """The registrable domain (lowercase A-label)."""
    rank: int | None = None
    """Its rank in the top-sites list, when listed."""
    registered: int | None = None
    """Year of registration (RDAP creation), when known."""
    why: str = ""
    """For ``own``: what shows it (``shares MX/NS with the target``, ``allowlisted``)."""

    def reason(self) -> str:
        """One phrase for reasons, comments and the review (plain ASCII)."""
        facts = [f"rank {self.rank:,}"] if self.rank else []
        facts += [f"registered {self.registered}"] if self.registered else []
        shown = f" ({', '.join(facts)})" if facts else ""
        if self.kind == "own":
            why = f", {self.why}" if self.why else ""
            return (
                f"{self.domain}: own domain of the protected organisation{why}{shown}: do not block"
            )
        return (
            f"{self.domain}: established domain of another organisation{shown}: "
            "warn senders, do not block"
        )


def _year(created: object) -> int | None:
    if isinstance(created, str) and len(created) >= 4 and created[:4].isdigit():
        return int(created[:4])
    return None


def standing_of(
    domain: str,
    *,
    top: TopSites,
    created: object = None,
    this_year: int | None = None,
    own_why: str = "",
    block_anyway: frozenset[str] = frozenset(),
) -> Standing | None:
    """The standing of registrable ``domain``, or ``None`` when nothing keeps it from a
    blocklist.

    ``own_why`` non-empty: the brand's own (``own``). Else ``third-party`` when it is on ``top``
    or was registered (``created``: ISO 8601 date text) at least :data:`ESTABLISHED_YEARS`
    before ``this_year``. A name in ``block_anyway`` is never held back (an explicit override).
    """
    if domain in block_anyway:
        return None
    rank = top.rank(domain)
    year = _year(created)
    if own_why:
        return Standing("own", domain, rank, year, own_why)
    old = year is not None and this_year is not None and this_year - year >= ESTABLISHED_YEARS
    if rank is not None or old:
        return Standing("third-party", domain, rank, year)
    return None


def block_name(domain: str, fqdn: str, target: str) -> str:
    """The name to block for a row that has no ``block`` column (rows of older versions):
    ``domain``, unless ``fqdn`` lies below it with labels other than the target's own
    subdomain (``cha.se.com`` of ``chase.com``: blocking ``se.com`` would block its owner).
    All three are lowercase A-labels; ``target`` is the protected typed name."""
    if not fqdn or fqdn == domain or not fqdn.endswith("." + domain):
        return domain
    above = fqdn[: -len(domain) - 1]
    return domain if target.startswith(above + ".") else fqdn

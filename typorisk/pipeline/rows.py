"""The one flat row schema: every column a scan row can have, declared once, with the
function that reads its cell from a :class:`~typorisk.pipeline.record.ScanRecord`.

A *row* is a flat mapping from column name to a JSON value: str, int, float, bool, ``None``, or a
list of str. Rows are the contract between stages that run apart in time (``scan`` writes them,
``rank``, ``record``, ``review`` and the feeds read them). :func:`to_row` makes them from a
record; each stage's own row (:func:`resolution_row`, :func:`registration_row`,
:func:`network_row`, :func:`probe_row`, :func:`web_row`, :func:`candidate_row`) is the cells of
its :class:`Facet`, read by the same declarations, so a new column is one line of
:data:`COLUMNS`. :func:`from_row` checks a row read back from a file, naming the column and the
type it expected.

Cell conventions, one per format (the writers apply them through :func:`cell_text`):

- **lists** are joined with :data:`LIST_SEPARATOR` (``|``) in CSV, table and list outputs;
  JSON and YAML keep them as lists;
- **no mappings**: factor contributions are flat columns (``contrib_likelihood``...);
- **one number format per column** (:attr:`Column.fmt`) in every text format;
- **no Python repr** anywhere: booleans are ``yes``/``no`` in text, ``true``/``false`` in JSON.

``python -m typorisk.pipeline.tables`` writes the Markdown column table into docs/guide/scan.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from typorisk.errors import RowTypeError
from typorisk.kit.text import clean
from typorisk.pipeline.record import CONTRIBUTIONS, RiskFacet, ScanRecord

if TYPE_CHECKING:
    from typorisk.model import Candidate
    from typorisk.pipeline.options import ScanOptions
    from typorisk.probe import ProbeResult
    from typorisk.register.network import NetworkOwner
    from typorisk.register.records import Lookup
    from typorisk.resolve import Resolution
    from typorisk.web import WebResult

ColumnType = Literal["str", "int", "float", "bool", "list"]
LIST_SEPARATOR = "|"
"""Joins list cells in CSV, table and list outputs."""

F = TypeVar("F")


@dataclass(frozen=True, slots=True)
class Facet(Generic[F]):
    """The part of a record a group of columns is read from: its candidate, the record itself,
    or one stage's result. A facet that is ``None`` (its stage did not run for the name) fills
    none of its columns."""

    name: str
    stage: str
    """The stage that fills its columns: candidate, feed, resolve, register, probe, web, rank."""
    of: Callable[[ScanRecord], F | None]
    """The facet of a record, ``None`` when absent."""


CANDIDATE: Facet[Candidate] = Facet("candidate", "candidate", attrgetter("candidate"))
FEED: Facet[ScanRecord] = Facet("feed", "feed", lambda record: record)
RESOLUTION: Facet[Resolution] = Facet("resolution", "resolve", attrgetter("resolution"))
OWN: Facet[ScanRecord] = Facet(
    "own", "resolve", lambda record: record if record.resolution is not None else None
)
"""The target's own records, resolved beside the candidate's (so: present with a resolution)."""
REGISTRATION: Facet[Lookup] = Facet("registration", "register", attrgetter("registration"))
"""The registration facts (dates, registrar, statuses)."""
CONTACTS: Facet[Lookup] = Facet("contacts", "register", attrgetter("registration"))
"""The registration's contacts (abuse, registrant)."""
LOOKUP: Facet[Lookup] = Facet("lookup", "register", attrgetter("registration"))
"""How the registration was looked up (source, server, outcome)."""
NETWORK: Facet[NetworkOwner] = Facet("network", "register", attrgetter("network"))
PROBE: Facet[ProbeResult] = Facet("probe", "probe", attrgetter("probe"))
WEB: Facet[WebResult] = Facet("web", "web", attrgetter("web"))
RISK: Facet[RiskFacet] = Facet("risk", "rank", attrgetter("risk"))
FACETS: tuple[Facet[Any], ...] = (
    CANDIDATE,
    FEED,
    RESOLUTION,
    OWN,
    REGISTRATION,
    CONTACTS,
    LOOKUP,
    NETWORK,
    PROBE,
    WEB,
    RISK,
)
"""Every facet, in the order :func:`to_row` fills a row (without ``columns``)."""


@dataclass(frozen=True, slots=True)
class Column(Generic[F]):
    """One column of the row schema: what it holds, and how its cell is read from its facet."""

    name: str
    type: ColumnType
    facet: Facet[F]
    doc: str
    read: Callable[[F], object]
    """The cell of a present facet (JSON values only: lists, not tuples; enum values)."""
    unit: str = ""
    fmt: str = ""
    """``format()`` spec for floats in text outputs (``.3e``, ``.4f``); empty for other types."""
    nullable: bool = True

    @property
    def stage(self) -> str:
        """The stage that fills it: candidate, feed, resolve, register, probe, web, rank."""
        return self.facet.stage


def _c(  # noqa: PLR0917 - a table row
    facet: Facet[F],
    name: str,
    type_: ColumnType,
    doc: str,
    read: str | Callable[[F], object] | None = None,
    unit: str = "",
    fmt: str = "",
) -> Column[F]:
    """A column; ``read`` is a function of the facet, or the attribute path holding the cell
    (default: the attribute named like the column)."""
    getter = read if callable(read) else attrgetter(read or name)
    return Column(name, type_, facet, doc, getter, unit, fmt)


def _contribution(factor: str) -> Callable[[RiskFacet], object]:
    def read(risk: RiskFacet) -> object:
        for name, value in risk.contributions:
            if name == factor:
                return value
        return None

    return read


def _listed(path: str) -> Callable[[Any], object]:
    get = attrgetter(path)
    return lambda part: list(get(part))


def _smtp_cert(path: str, empty: object = None) -> Callable[[ProbeResult], object]:
    get = attrgetter(path)

    def read(result: ProbeResult) -> object:
        if result.cert is None:
            return empty
        value = get(result.cert)
        return list(value) if isinstance(value, tuple) else value

    return read


def _web_cert(read: Callable[[Any], object]) -> Callable[[WebResult], object]:
    return lambda result: read(result.cert) if result.cert else None


COLUMNS: tuple[Column[Any], ...] = (
    _c(CANDIDATE, "target", "str", "the protected name (A-label) this is a typo of"),
    _c(CANDIDATE, "domain", "str", "the typo's registrable domain (A-label)"),
    _c(RISK, "risk", "float", "risk score", None, "[0, 1]", ".4f"),
    _c(RISK, "capture", "str", "capture capability: mail, mail-null, web, none, unknown"),
    _c(RISK, "defensive", "bool", "shares MX/NS/registrar with its target: the brand's own?"),
    _c(RISK, "reasons", "list", "why it scored what it did, one phrase each", _listed("reasons")),
    _c(
        RISK,
        "operation",
        "str",
        "the operation it belongs to (look-alikes joined by shared infrastructure), by label",
    ),
    *(
        _c(RISK, f"contrib_{factor}", "float", doc, _contribution(factor), unit, ".4f")
        for factor, doc, unit in (
            ("likelihood", "likelihood's part of risk", "[0, 1]"),
            ("capture", "capture's part of risk", "[0, 1]"),
            ("graph", "shared infrastructure's part of risk", "[0, 1]"),
            ("registration", "registration multiplier applied", "×"),
            ("exposure", "the target's weight applied", "×"),
        )
    ),
    _c(
        CANDIDATE,
        "likelihood",
        "float",
        "probability one typing yields this name",
        None,
        "[0, 1]",
        ".3e",
    ),
    _c(
        CANDIDATE,
        "kinds",
        "list",
        "typo kinds that reach this name, most likely first",
        _listed("kinds"),
    ),
    _c(FEED, "weight", "float", "the target's weight (feeds; 1 otherwise)", None, "×", ".4f"),
    _c(
        RESOLUTION,
        "registration",
        "str",
        "registered, unregistered or unknown (DNS)",
        lambda r: r.registration.value,
    ),
    _c(RESOLUTION, "mail", "str", "mx, null-mx, implicit, none or unknown", "mail.value"),
    _c(
        RESOLUTION,
        "mx",
        "list",
        "MX exchanges, '.' for a null MX",
        lambda r: [m.host or "." for m in r.records.mx],
    ),
    _c(RESOLUTION, "ns", "list", "name servers", _listed("records.ns")),
    _c(RESOLUTION, "a", "list", "IPv4 addresses", _listed("records.a")),
    _c(RESOLUTION, "aaaa", "list", "IPv6 addresses", _listed("records.aaaa")),
    _c(RESOLUTION, "cname", "str", "CNAME target", "records.cname"),
    _c(RESOLUTION, "spf", "bool", "the name publishes an SPF record", "records.spf"),
    _c(RESOLUTION, "dmarc", "bool", "the name publishes a DMARC record", "records.dmarc"),
    _c(RESOLUTION, "wildcard", "bool", "only a wildcard answers for the name"),
    _c(RESOLUTION, "zone_wildcard", "bool", "the zone above the name has a wildcard"),
    _c(RESOLUTION, "lame", "bool", "authoritative mode: the delegation is lame"),
    _c(
        RESOLUTION,
        "outcome",
        "str",
        "the answer that decided: nxdomain, answer, timeout...",
        "outcome.value",
    ),
    _c(RESOLUTION, "queries", "int", "DNS queries spent on the name", None, "queries"),
    _c(RESOLUTION, "error", "str", "why the registration is unknown"),
    _c(CANDIDATE, "unicode", "str", "domain in Unicode, for display"),
    _c(CANDIDATE, "fqdn", "str", "the typed name that reaches domain"),
    _c(
        CANDIDATE,
        "block",
        "str",
        "the name blocking outputs carry: domain, or the typed fqdn below another's domain",
        "blocked",
    ),
    _c(CANDIDATE, "suffix", "str", "public suffix of domain"),
    _c(OWN, "target_mx", "list", "the target's own MX hosts", _listed("target_mx")),
    _c(OWN, "target_ns", "list", "the target's own name servers", _listed("target_ns")),
    _c(REGISTRATION, "created", "str", "registration date (ISO 8601)", "facts.created", "date"),
    _c(REGISTRATION, "expires", "str", "expiry date (ISO 8601)", "facts.expires", "date"),
    _c(REGISTRATION, "registrar", "str", "registrar name", "facts.registrar"),
    _c(REGISTRATION, "registrar_iana", "int", "registrar IANA id", "facts.registrar_iana"),
    _c(REGISTRATION, "status", "list", "EPP status values", _listed("facts.status")),
    _c(
        LOOKUP,
        "registration_source",
        "str",
        "rdap, whois or zone-file",
        lambda lookup: lookup.source.value if lookup.source else None,
    ),
    _c(LOOKUP, "registration_server", "str", "server that answered", "server"),
    _c(
        LOOKUP,
        "registration_lookup",
        "str",
        "found, not-found or unknown",
        "status.value",
    ),
    _c(LOOKUP, "registration_error", "str", "why the lookup is unknown", "reason"),
    _c(
        PROBE,
        "smtp",
        "str",
        "probe verdict: catch-all, rejects-unknown, ...",
        "verdict.value",
    ),
    _c(PROBE, "smtp_server", "str", "MX host probed", "server"),
    _c(PROBE, "smtp_code", "int", "SMTP reply code to RCPT TO", "code"),
    _c(PROBE, "smtp_reply", "str", "SMTP reply text (cleaned)", "reply"),
    # -- abuse contacts, network owners, STARTTLS -------------------------------------------
    _c(
        CONTACTS,
        "abuse_email",
        "str",
        "the registrar's abuse contact e-mail (RDAP)",
        "facts.abuse_email",
    ),
    _c(
        CONTACTS,
        "abuse_phone",
        "str",
        "the registrar's abuse contact phone (RDAP)",
        "facts.abuse_phone",
    ),
    _c(
        CONTACTS,
        "registrant_org",
        "str",
        "the registrant organisation, unless redacted",
        "facts.registrant_org",
    ),
    _c(NETWORK, "net_name", "str", "name of the network holding the first A/AAAA (IP RDAP)"),
    _c(NETWORK, "net_handle", "str", "that network's registry handle"),
    _c(NETWORK, "net_country", "str", "that network's country (ISO 3166 alpha-2)"),
    _c(NETWORK, "net_abuse", "str", "that network's abuse contact e-mail"),
    _c(NETWORK, "asn", "int", "origin autonomous system, where the registry gives it"),
    _c(NETWORK, "asn_name", "str", "that autonomous system's name (ASN RDAP)"),
    _c(PROBE, "smtp_tls", "str", "starttls, none (not offered) or failed (handshake)", "tls"),
    _c(
        PROBE,
        "smtp_cert_issuer",
        "str",
        "issuer of the MX's certificate (CN, else O)",
        _smtp_cert("issuer"),
    ),
    _c(
        PROBE,
        "smtp_cert_names",
        "list",
        "DNS names of the MX's certificate (SAN, else CN)",
        _smtp_cert("names", []),
    ),
    _c(
        PROBE,
        "smtp_cert_age_days",
        "int",
        "days since the certificate's notBefore",
        _smtp_cert("age_days"),
        "days",
    ),
    # -- web (text cells cleaned of control and bidi characters: a stranger's server sent them)
    _c(
        WEB,
        "web",
        "str",
        "web class: clone, login, parked, redirect-target, redirect-other, "
        "unrelated, unreachable, error",
        "web_class.value",
    ),
    _c(
        WEB,
        "web_final_url",
        "str",
        "the URL the redirects ended at",
        lambda result: clean(result.final_url),
    ),
    _c(
        WEB,
        "web_similarity",
        "float",
        "similarity to the target's page",
        "similarity",
        "[0, 1]",
        ".2f",
    ),
    _c(
        WEB,
        "web_cert_age_days",
        "int",
        "age of the TLS certificate (negative: notBefore in the future, not yet valid)",
        _web_cert(attrgetter("age_days")),
        "days",
    ),
    _c(
        WEB,
        "web_cert_issuer",
        "str",
        "issuer of the TLS certificate",
        _web_cert(lambda cert: clean(cert.issuer)),
    ),
    _c(
        WEB,
        "web_cert_sha256",
        "str",
        "SHA-256 fingerprint of the TLS certificate (hex)",
        _web_cert(lambda cert: cert.sha256 or None),
    ),
    _c(
        WEB,
        "web_cert_names",
        "list",
        "DNS names of the TLS certificate",
        lambda result: list(result.cert.names) if result.cert else [],
    ),
    _c(WEB, "web_favicon", "int", "favicon hash (Shodan's http.favicon.hash)", "favicon"),
    _c(WEB, "web_fuzzy", "str", "fuzzy hash (TLSH) of the page", "fuzzy"),
    _c(
        WEB,
        "web_error",
        "str",
        "why the web evidence failed or is partial",
        lambda result: clean(result.error),
    ),
)
"""Every column, in output order: the one place a column is declared."""
BY_NAME: dict[str, Column[Any]] = {c.name: c for c in COLUMNS}


CANDIDATE_COLUMNS = (
    "target",
    "domain",
    "unicode",
    "kinds",
    "likelihood",
    "fqdn",
    "suffix",
    "block",
)
"""The columns of a candidate alone (``permute``, offline feeds), in the order those outputs
list them: a view of the candidate facet's columns (an import-time check keeps the two equal)."""
if set(CANDIDATE_COLUMNS) != {c.name for c in COLUMNS if c.facet is CANDIDATE}:
    raise AssertionError("CANDIDATE_COLUMNS must name exactly the candidate facet's columns")
if [c.name for c in COLUMNS if c.name.startswith("contrib_")] != [
    f"contrib_{factor}" for factor in CONTRIBUTIONS
]:
    raise AssertionError("the contrib_ columns must follow CONTRIBUTIONS, the rank's factors")


def _cells_of(facet: Facet[Any]) -> tuple[tuple[str, Callable[[Any], object]], ...]:
    """(name, read) of ``facet``'s columns: schema order; the candidate's in
    :data:`CANDIDATE_COLUMNS` order."""
    if facet is CANDIDATE:
        return tuple((name, BY_NAME[name].read) for name in CANDIDATE_COLUMNS)
    return tuple((c.name, c.read) for c in COLUMNS if c.facet is facet)


_CELLS: dict[str, tuple[tuple[str, Callable[[Any], object]], ...]] = {
    facet.name: _cells_of(facet) for facet in FACETS
}
_FILLED = tuple((facet.of, _CELLS[facet.name]) for facet in FACETS)


def cells(facet: Facet[F], part: F) -> dict[str, object]:
    """The cells ``part`` (a present ``facet``) fills, in its columns' order."""
    return {name: read(part) for name, read in _CELLS[facet.name]}


def to_row(record: ScanRecord, columns: Sequence[str] | None = None) -> dict[str, object]:
    """The flat row of ``record``: the cells of every facet it has, facet by facet
    (:data:`FACETS`). With ``columns``, exactly those keys in that order (a cell of a stage that
    gave nothing is ``None``, or ``[]`` for a list column)."""
    row: dict[str, object] = {}
    for of, filled in _FILLED:
        part = of(record)
        if part is not None:
            for name, read in filled:
                row[name] = read(part)
    if columns is None:
        return row
    return {name: row.get(name, _empty(name)) for name in columns}


def _empty(name: str) -> object:
    column = BY_NAME.get(name)
    return [] if column is not None and column.type == "list" else None


def candidate_row(c: Candidate) -> dict[str, object]:
    """The row of a candidate alone: :data:`CANDIDATE_COLUMNS`, in that order (``permute``,
    offline feeds, and the candidate part of every scan row)."""
    return cells(CANDIDATE, c)


def resolution_row(r: Resolution) -> dict[str, object]:
    """The row of a resolution, as ``resolve`` prints it: ``domain`` (the name asked), then the
    resolve columns."""
    return {"domain": r.domain, **cells(RESOLUTION, r)}


def registration_row(lookup: Lookup) -> dict[str, object]:
    """The cells of a registration lookup (``registration_lookup``: found / not-found /
    unknown)."""
    return {**cells(REGISTRATION, lookup), **cells(CONTACTS, lookup), **cells(LOOKUP, lookup)}


def network_row(owner: NetworkOwner) -> dict[str, object]:
    """The cells of a network owner."""
    return cells(NETWORK, owner)


def probe_row(result: ProbeResult) -> dict[str, object]:
    """The cells of an SMTP probe result."""
    return cells(PROBE, result)


def web_row(result: WebResult) -> dict[str, object]:
    """The cells of a web result (text cells cleaned of control and bidi characters: they come
    from a stranger's server)."""
    return cells(WEB, result)


def scan_columns(
    *, rank: bool, registration: bool, probe: bool, web: bool = False
) -> tuple[str, ...]:
    """The columns of a scan row with these stages on, in output order."""
    stages = {"candidate", "resolve"}
    stages |= {"web"} if web else set()
    stages |= {"rank"} if rank else set()
    stages |= {"register"} if registration else set()
    stages |= {"probe"} if probe else set()
    return tuple(c.name for c in COLUMNS if c.stage in stages)


def scan_columns_of(options: ScanOptions) -> tuple[str, ...]:
    """The columns of a scan row with the stages ``options`` turn on."""
    return scan_columns(
        rank=options.rank,
        registration=options.registration,
        probe=options.probe_smtp,
        web=options.web,
    )


def columns_of(*stages: str) -> tuple[str, ...]:
    """Names of the columns filled by ``stages``, in output order."""
    return tuple(c.name for c in COLUMNS if c.stage in stages)


def row_problem(row: Mapping[str, object]) -> str | None:
    """What is wrong with a row read back, as ``COLUMN: expected ..., got ...``; ``None`` when
    every known column holds its type (``None`` allowed; ints accepted for floats; a column
    whose unit is ``[0, 1]`` must lie in it). Unknown columns pass (rows of newer versions)."""
    for name, value in row.items():
        column = BY_NAME.get(name)
        if column is None or value is None:
            continue
        expected = _type_problem(column, value)
        if expected:
            return f"{name}: expected {expected}, got {_shown(value)}"
    return None


def from_row(row: Mapping[str, object]) -> dict[str, object]:
    """``row`` checked against the schema (:func:`row_problem`), as a plain dict.

    Raises :class:`~typorisk.errors.RowTypeError` naming the column and the expected type."""
    for name, value in row.items():
        column = BY_NAME.get(name)
        if column is not None and value is not None:
            expected = _type_problem(column, value)
            if expected:
                raise RowTypeError(name, expected, value)
    return dict(row)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_problem(column: Column[Any], value: object) -> str | None:
    """The expected type in words when ``value`` does not fit ``column``, else ``None``."""
    kind = column.type
    if kind == "str":
        return None if isinstance(value, str) else "a string or null"
    if kind == "bool":
        return None if isinstance(value, bool) else "true, false or null"
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "int":
        return None if number and isinstance(value, int) else "an integer or null"
    if kind == "float":
        if column.unit == "[0, 1]":
            ok = number and 0.0 <= value <= 1.0  # type: ignore[operator]
            return None if ok else "a number in [0, 1]"
        finite = number and math.isfinite(value)  # type: ignore[arg-type]
        return None if finite else "a number or null"
    ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    return None if ok else "a list of strings"


def cell_text(name: str, value: object) -> str:
    """The text of one cell for CSV, table and list outputs (not yet escaped for CSV)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        column = BY_NAME.get(name)
        return format_float(value, column.fmt if column else "")
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(cell_text(name, v) for v in value)
    if isinstance(value, Mapping):
        return LIST_SEPARATOR.join(f"{k}={cell_text(name, v)}" for k, v in value.items())
    return str(value)


def format_float(value: float, fmt: str = "") -> str:
    """A float in its column's format (``fmt``), or compact when the column has none."""
    if not math.isfinite(value):
        return str(value)
    if fmt:
        return format(value, fmt)
    if value == 0:
        return "0"
    if abs(value) >= 1e-3:
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return f"{value:.3e}"


def markdown_table() -> Iterator[str]:
    """The column table of docs/guide/scan.md, generated from :data:`COLUMNS`."""
    yield "| column | type | unit | stage | meaning |"
    yield "|---|---|---|---|---|"
    for c in COLUMNS:
        yield f"| `{c.name}` | {c.type} | {c.unit} | {c.stage} | {c.doc} |"

"""The one flat row schema: every column a scan row can have, listed once.

A *row* is a flat mapping from column name to a JSON value: str, int, float, bool, ``None``, or a
list of str. Rows are the contract between stages that run apart in time (``scan`` writes them,
``rank``, ``record``, ``review`` and the feeds read them). :func:`to_row` (in
:mod:`typorisk.pipeline.record`) makes them from a :class:`~typorisk.pipeline.record.ScanRecord`;
:func:`from_row` checks one read back from a file, naming the column and the type it expected.

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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from typorisk.errors import RowTypeError
from typorisk.model import Candidate

if TYPE_CHECKING:
    from typorisk.pipeline.options import ScanOptions

ColumnType = Literal["str", "int", "float", "bool", "list"]
LIST_SEPARATOR = "|"
"""Joins list cells in CSV, table and list outputs."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the row schema."""

    name: str
    type: ColumnType
    stage: str
    """The stage that fills it: candidate, resolve, register, probe, web, rank."""
    doc: str
    unit: str = ""
    fmt: str = ""
    """``format()`` spec for floats in text outputs (``.3e``, ``.4f``); empty for other types."""
    nullable: bool = True


def _c(  # noqa: PLR0917 - a table row
    name: str, type_: ColumnType, stage: str, doc: str, unit: str = "", fmt: str = ""
) -> Column:
    return Column(name, type_, stage, doc, unit, fmt)


COLUMNS: tuple[Column, ...] = (
    _c("target", "str", "candidate", "the protected name (A-label) this is a typo of"),
    _c("domain", "str", "candidate", "the typo's registrable domain (A-label)"),
    _c("risk", "float", "rank", "risk score", "[0, 1]", ".4f"),
    _c("capture", "str", "rank", "capture capability: mail, mail-null, web, none, unknown"),
    _c("defensive", "bool", "rank", "shares MX/NS/registrar with its target: the brand's own?"),
    _c("reasons", "list", "rank", "why it scored what it did, one phrase each"),
    _c(
        "operation",
        "str",
        "rank",
        "the operation it belongs to (look-alikes joined by shared infrastructure), by label",
    ),
    _c("contrib_likelihood", "float", "rank", "likelihood's part of risk", "[0, 1]", ".4f"),
    _c("contrib_capture", "float", "rank", "capture's part of risk", "[0, 1]", ".4f"),
    _c("contrib_graph", "float", "rank", "shared infrastructure's part of risk", "[0, 1]", ".4f"),
    _c("contrib_registration", "float", "rank", "registration multiplier applied", "×", ".4f"),
    _c("contrib_exposure", "float", "rank", "the target's weight applied", "×", ".4f"),
    _c(
        "likelihood",
        "float",
        "candidate",
        "probability one typing yields this name",
        "[0, 1]",
        ".3e",
    ),
    _c("kinds", "list", "candidate", "typo kinds that reach this name, most likely first"),
    _c("weight", "float", "feed", "the target's weight (feeds; 1 otherwise)", "×", ".4f"),
    _c("registration", "str", "resolve", "registered, unregistered or unknown (DNS)"),
    _c("mail", "str", "resolve", "mx, null-mx, implicit, none or unknown"),
    _c("mx", "list", "resolve", "MX exchanges, '.' for a null MX"),
    _c("ns", "list", "resolve", "name servers"),
    _c("a", "list", "resolve", "IPv4 addresses"),
    _c("aaaa", "list", "resolve", "IPv6 addresses"),
    _c("cname", "str", "resolve", "CNAME target"),
    _c("spf", "bool", "resolve", "the name publishes an SPF record"),
    _c("dmarc", "bool", "resolve", "the name publishes a DMARC record"),
    _c("wildcard", "bool", "resolve", "only a wildcard answers for the name"),
    _c("zone_wildcard", "bool", "resolve", "the zone above the name has a wildcard"),
    _c("lame", "bool", "resolve", "authoritative mode: the delegation is lame"),
    _c("outcome", "str", "resolve", "the answer that decided: nxdomain, answer, timeout..."),
    _c("queries", "int", "resolve", "DNS queries spent on the name", "queries"),
    _c("error", "str", "resolve", "why the registration is unknown"),
    _c("unicode", "str", "candidate", "domain in Unicode, for display"),
    _c("fqdn", "str", "candidate", "the typed name that reaches domain"),
    _c(
        "block",
        "str",
        "candidate",
        "the name blocking outputs carry: domain, or the typed fqdn below another's domain",
    ),
    _c("suffix", "str", "candidate", "public suffix of domain"),
    _c("target_mx", "list", "resolve", "the target's own MX hosts"),
    _c("target_ns", "list", "resolve", "the target's own name servers"),
    _c("created", "str", "register", "registration date (ISO 8601)", "date"),
    _c("expires", "str", "register", "expiry date (ISO 8601)", "date"),
    _c("registrar", "str", "register", "registrar name"),
    _c("registrar_iana", "int", "register", "registrar IANA id"),
    _c("status", "list", "register", "EPP status values"),
    _c("registration_source", "str", "register", "rdap, whois or zone-file"),
    _c("registration_server", "str", "register", "server that answered"),
    _c("registration_lookup", "str", "register", "found, not-found or unknown"),
    _c("registration_error", "str", "register", "why the lookup is unknown"),
    _c("smtp", "str", "probe", "probe verdict: catch-all, rejects-unknown, ..."),
    _c("smtp_server", "str", "probe", "MX host probed"),
    _c("smtp_code", "int", "probe", "SMTP reply code to RCPT TO"),
    _c("smtp_reply", "str", "probe", "SMTP reply text (cleaned)"),
    # -- abuse contacts, network owners, STARTTLS -------------------------------------------
    _c("abuse_email", "str", "register", "the registrar's abuse contact e-mail (RDAP)"),
    _c("abuse_phone", "str", "register", "the registrar's abuse contact phone (RDAP)"),
    _c("registrant_org", "str", "register", "the registrant organisation, unless redacted"),
    _c("net_name", "str", "register", "name of the network holding the first A/AAAA (IP RDAP)"),
    _c("net_handle", "str", "register", "that network's registry handle"),
    _c("net_country", "str", "register", "that network's country (ISO 3166 alpha-2)"),
    _c("net_abuse", "str", "register", "that network's abuse contact e-mail"),
    _c("asn", "int", "register", "origin autonomous system, where the registry gives it"),
    _c("asn_name", "str", "register", "that autonomous system's name (ASN RDAP)"),
    _c("smtp_tls", "str", "probe", "starttls, none (not offered) or failed (handshake)"),
    _c("smtp_cert_issuer", "str", "probe", "issuer of the MX's certificate (CN, else O)"),
    _c("smtp_cert_names", "list", "probe", "DNS names of the MX's certificate (SAN, else CN)"),
    _c("smtp_cert_age_days", "int", "probe", "days since the certificate's notBefore", "days"),
    # -- web --
    _c(
        "web",
        "str",
        "web",
        "web class: clone, login, parked, redirect-target, redirect-other, "
        "unrelated, unreachable, error",
    ),
    _c("web_final_url", "str", "web", "the URL the redirects ended at"),
    _c("web_similarity", "float", "web", "similarity to the target's page", "[0, 1]", ".2f"),
    _c(
        "web_cert_age_days",
        "int",
        "web",
        "age of the TLS certificate (negative: notBefore in the future, not yet valid)",
        "days",
    ),
    _c("web_cert_issuer", "str", "web", "issuer of the TLS certificate"),
    _c("web_cert_sha256", "str", "web", "SHA-256 fingerprint of the TLS certificate (hex)"),
    _c("web_cert_names", "list", "web", "DNS names of the TLS certificate"),
    _c("web_favicon", "int", "web", "favicon hash (Shodan's http.favicon.hash)"),
    _c("web_fuzzy", "str", "web", "fuzzy hash (TLSH) of the page"),
    _c("web_error", "str", "web", "why the web evidence failed or is partial"),
)
"""Every column, in output order."""
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
CONTRIBUTIONS = ("likelihood", "capture", "graph", "registration", "exposure")
"""Factors flattened to ``contrib_<factor>`` columns."""


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
"""The columns of a candidate alone (``permute``, offline feeds)."""


def candidate_row(c: Candidate) -> dict[str, object]:
    """The row of a candidate alone: :data:`CANDIDATE_COLUMNS`, in that order (``permute``,
    offline feeds, and the candidate part of every scan row)."""
    return {
        "target": c.target,
        "domain": c.domain,
        "unicode": c.unicode,
        "kinds": list(c.kinds),
        "likelihood": c.likelihood,
        "fqdn": c.fqdn,
        "suffix": c.suffix,
        "block": c.blocked,
    }


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


def _type_problem(column: Column, value: object) -> str | None:
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

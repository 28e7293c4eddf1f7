"""The format registry: every output format, its writer, its consumer and its settings.

``FORMATS[name].write(rows, out, options) -> int`` writes rows to a ``TextIO`` and returns the
number of entries. The registry is the one place a format is declared: the CLI's ``--format``
choices, the feed-definition validator and its JSON Schema all read it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TextIO

from typorisk.errors import TyporiskError, UnsafeNameError
from typorisk.writers import dns, intel, m365, mta, proxy, rules
from typorisk.writers.entries import Row, WriterOptions, check_name
from typorisk.writers.rows import write_csv, write_jsonl, write_yaml

Writer = Callable[[Iterable[Row], TextIO, WriterOptions], int]

DEFAULT_COLUMNS = ("target", "domain", "unicode", "kinds", "likelihood", "fqdn", "suffix")
"""Columns of the data formats when a feed does not choose (the ``permute`` columns); columns
a row has beyond these are kept by jsonl/json/yaml."""


@dataclass(frozen=True, slots=True)
class Setting:
    """One per-format setting a feed may give under ``options:``."""

    kind: str
    """``str``, ``int``, ``bool``, ``float``, ``names`` (list of domains) or ``columns``."""
    help: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Format:
    """An output format."""

    name: str
    write: Writer
    summary: str
    consumer: str
    """The tool that loads it, and how the tests prove it does."""
    extension: str
    settings: Mapping[str, Setting] = field(default_factory=dict)
    directory: bool = False
    """Written as a directory of files (MISP feed) rather than one file."""


def _valid_rows(rows: Iterable[Row], options: WriterOptions) -> Iterator[Row]:
    """Rows whose ``domain`` (and ``target``) are safe names; others go to ``on_invalid``."""
    for row in rows:
        try:
            check_name(row.get("domain"))
            if row.get("target"):
                check_name(row.get("target"))
        except UnsafeNameError as exc:
            if options.on_invalid is None:
                raise
            options.on_invalid(row, exc)
            continue
        yield row


def _columns(options: WriterOptions) -> tuple[str, ...]:
    columns = options.get("columns") or DEFAULT_COLUMNS
    if not isinstance(columns, list | tuple) or not all(isinstance(c, str) for c in columns):
        raise TyporiskError("columns: expected a list of column names")
    return tuple(columns)


def write_json(rows: Iterable[Row], out: TextIO, columns: tuple[str, ...]) -> int:
    """A JSON array of objects, one a line, keys in ``columns`` order (streamed)."""
    out.write("[")
    count = 0
    for row in rows:
        ordered = {c: row.get(c) for c in columns}
        ordered.update({k: v for k, v in row.items() if k not in ordered})
        out.write(("," if count else "") + "\n" + json.dumps(ordered, ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count


def _data(write: Callable[[Iterable[Row], TextIO, tuple[str, ...]], int]) -> Writer:
    def writer(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
        return write(_valid_rows(rows, options), out, _columns(options))

    writer.__doc__ = write.__doc__
    return writer


_COMMENTS = {"comments": Setting("bool", "write a comment saying why before each entry")}
_COLUMNS = {"columns": Setting("columns", "columns, in order (default: the permute columns)")}
_TEXT = {
    "dsn": Setting("str", "enhanced status code, e.g. 5.7.1"),
    "text": Setting("str", "reject text; {domain} and {target} are substituted"),
}


def _fmt(  # noqa: PLR0917 - a table row: positional reads best
    name: str,
    write: Writer,
    summary: str,
    consumer: str,
    ext: str,
    settings: Mapping[str, Setting] | None = None,
    *,
    directory: bool = False,
) -> tuple[str, Format]:
    return name, Format(name, write, summary, consumer, ext, settings or {}, directory)


FORMATS: Mapping[str, Format] = dict(
    [
        _fmt("csv", _data(write_csv), "CSV with a header", "spreadsheets, SIEM", "csv", _COLUMNS),
        _fmt("jsonl", _data(write_jsonl), "one JSON object a line", "jq, SIEM", "jsonl", _COLUMNS),
        _fmt(
            "json",
            _data(write_json),
            "a JSON array of objects",
            "any JSON reader",
            "json",
            _COLUMNS,
        ),
        _fmt(
            "yaml",
            _data(write_yaml),
            "a YAML list of mappings",
            "people, Ansible",
            "yaml",
            _COLUMNS,
        ),
        _fmt("list", dns.write_plain, "one name a line", "Palo Alto EDL, OPNsense, Pi-hole", "txt"),
        _fmt(
            "rpz",
            dns.write_rpz,
            "RPZ zone: name and *.name, NXDOMAIN or sinkhole",
            "BIND response-policy, Unbound rpz: (named-checkzone, live Unbound)",
            "rpz",
            {
                "policy": Setting("str", "what a listed name returns", dns.RPZ_POLICIES),
                "sinkhole_ipv4": Setting("str", "A answer for policy sinkhole"),
                "sinkhole_ipv6": Setting("str", "AAAA answer for policy sinkhole"),
                "ttl": Setting("int", "TTL of every record, seconds"),
                "origin": Setting("str", "zone name the consumer loads it as (rpz.typorisk)"),
                "previous_serial": Setting("int", "the new SOA serial is greater than this"),
                "passthru": Setting("names", "names always allowed (CNAME rpz-passthru.)"),
                "established": Setting(
                    "str",
                    "established domains: omit, or passthru (answered, logged)",
                    dns.HELD_ACTIONS,
                ),
                **_COMMENTS,
            },
        ),
        _fmt(
            "unbound",
            dns.write_unbound,
            "Unbound local-zone lines",
            "unbound-checkconf",
            "conf",
            {"policy": Setting("str", "local-zone type", dns.UNBOUND_POLICIES), **_COMMENTS},
        ),
        _fmt(
            "dnsmasq",
            dns.write_dnsmasq,
            "dnsmasq address=/name/ lines",
            "dnsmasq --test",
            "conf",
            {"sinkhole": Setting("str", "answer this address instead of NXDOMAIN"), **_COMMENTS},
        ),
        _fmt(
            "hosts",
            dns.write_hosts,
            "hosts file lines (exact names)",
            "/etc/hosts, Pi-hole",
            "hosts",
            {"address": Setting("str", "address names map to (0.0.0.0)"), **_COMMENTS},
        ),
        _fmt("abp", dns.write_abp, "AdGuard/ABP ||name^ rules", "AdGuard Home", "txt", _COMMENTS),
        _fmt(
            "postfix-access",
            mta.write_postfix_access,
            "Postfix access(5) recipient map",
            "postmap, postmap -q",
            "access",
            {
                "action": Setting("str", "access action", mta.POSTFIX_ACTIONS),
                "warn_text": Setting("str", "WARN text for established domains"),
                **_TEXT,
                **_COMMENTS,
            },
        ),
        _fmt(
            "postfix-warn",
            mta.write_postfix_warn,
            "Postfix access(5) WARN map: established look-alike domains (confirm the recipient)",
            "postmap, postmap -q",
            "access",
            {"warn_text": Setting("str", "WARN text; {domain} and {target}"), **_COMMENTS},
        ),
        _fmt(
            "postfix-transport",
            mta.write_postfix_transport,
            "Postfix transport(5) error: map",
            "postmap, postmap -q",
            "transport",
            {**_TEXT, **_COMMENTS},
        ),
        _fmt(
            "exim", mta.write_exim, "Exim domainlist file", "exim -bV, exim -bh", "list", _COMMENTS
        ),
        _fmt(
            "squid", proxy.write_squid, "Squid dstdomain list", "squid -k parse", "txt", _COMMENTS
        ),
        _fmt(
            "suricata",
            proxy.write_suricata,
            "Suricata DNS rules",
            "suricata -T",
            "rules",
            {
                "action": Setting("str", "rule action", proxy.SURICATA_ACTIONS),
                "sid_base": Setting("int", "first signature id (9000000)"),
                **_COMMENTS,
            },
        ),
        _fmt(
            "suricata-dataset",
            proxy.write_suricata_dataset,
            "Suricata string dataset (exact names)",
            "suricata -T",
            "lst",
        ),
        _fmt(
            "stix",
            intel.write_stix,
            "STIX 2.1 bundle of Indicators",
            "stix2.parse",
            "json",
            {"org": Setting("str", "creating organisation (Identity name)")},
        ),
        _fmt(
            "misp",
            intel.write_misp_event,
            "MISP feed directory: manifest.json, <uuid>.json, hashes.csv",
            "PyMISP MISPEvent.load",
            "",
            {
                "org": Setting("str", "creating organisation (Orgc)"),
                "info": Setting("str", "event title"),
                "threat_level_id": Setting("int", "1 high .. 4 undefined (3)"),
            },
            directory=True,
        ),
        _fmt("m365-csv", m365.write_m365_csv, "M365 block list CSV", "Import-Csv", "csv"),
        _fmt(
            "m365-warn",
            m365.write_m365_warn,
            "M365 mail flow rule list: established look-alike domains (confirm the recipient)",
            "Import-Csv",
            "csv",
        ),
        _fmt(
            "m365-ps",
            m365.write_m365_ps,
            "Exchange Online PowerShell script",
            "Exchange Online PowerShell",
            "ps1",
            {"transport_rule": Setting("bool", "also add outbound reject transport rules")},
        ),
        # detection rules (ail-typo-squatting offers both)
        _fmt(
            "yara",
            rules.write_yara,
            "YARA rules, one per protected target (nocase fullword strings)",
            "YARA, yara-python (compiled and matched in the tests)",
            "yar",
        ),
        _fmt(
            "regex",
            rules.write_regex,
            "one regular expression matching every listed name",
            "Python re, PCRE, RE2 (Python re in the tests)",
            "txt",
            {"subdomains": Setting("bool", "also match names below a listed name (true)")},
        ),
    ]
)

CANDIDATE_FORMATS: tuple[str, ...] = tuple(
    name
    for name, f in FORMATS.items()
    if not f.directory and name not in ("csv", "jsonl", "yaml", "list")
)
"""Formats ``--format`` adds to commands that emit candidates, beside :data:`ROW_FORMATS`
(``misp`` is a directory, so it is a feed output only)."""


def write_candidates(
    rows: Iterable[Row], fmt: str, out: TextIO, options: WriterOptions | None = None
) -> int:
    """Write candidate rows (as ``permute``/``scan`` make them) to ``out`` in ``fmt``, a name
    in :data:`FORMATS` that is not a directory format. Returns the entries written.

    Raises :class:`~typorisk.errors.TyporiskError` for an unknown format or a bad setting, and
    :class:`~typorisk.writers.entries.UnsafeNameError` for a row whose name is unsafe (unless
    ``options.on_invalid`` is set).
    """
    spec = FORMATS.get(fmt)
    if spec is None or spec.directory:
        raise TyporiskError(
            f"unknown format {fmt!r}; expected one of {', '.join(CANDIDATE_FORMATS)}"
        )
    return spec.write(rows, out, options or WriterOptions())

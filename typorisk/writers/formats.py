"""The format registry: every output format, its writers, its consumer and its settings.

:data:`FORMATS` is the one place a format is declared: the CLI's ``--format`` choices, the
feed-definition validator and its JSON Schema all read it. Every writer has one signature,
``(rows, out, options, columns) -> int`` (entries written), and a format has up to two:

- **checked** (:meth:`Format.write`): for a consumer. Rows whose names are not safe LDH
  A-labels are refused (``options.on_invalid``, else :class:`UnsafeNameError`); blocklists keep
  only what may be blocked. Feeds, ``permute``'s blocklists and the demo write this way; a
  format without one (``table``) is for people only and is no feed output.
- **plain** (:func:`write_rows`): any rows as they come, unchecked: what ``scan``, ``rank``,
  ``resolve``, ``history``, ``match`` and ``watch`` print (:data:`ROW_FORMATS`).

Data formats write ``columns`` in order (else the ``columns`` setting, else
:data:`DEFAULT_COLUMNS`); name formats write names and ignore them.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from typorisk.errors import TyporiskError, UnsafeNameError
from typorisk.pipeline.rows import CANDIDATE_COLUMNS
from typorisk.writers.options import (
    HELD_ACTIONS,
    POSTFIX_ACTIONS,
    RPZ_POLICIES,
    SURICATA_ACTIONS,
    UNBOUND_POLICIES,
    Row,
    WriterOptions,
)
from typorisk.writers.rows import write_csv, write_jsonl, write_list, write_table, write_yaml

Writer = Callable[[Iterable[Row], TextIO, WriterOptions, Sequence[str]], int]
"""``(rows, out, options, columns) -> entries written``: the signature of every writer."""
DataWriter = Callable[[Iterable[Row], TextIO, Sequence[str]], int]
"""A writer of rows as columns (:mod:`typorisk.writers.rows`): needs no options."""
NameWriter = Callable[[Iterable[Row], TextIO, WriterOptions], int]
"""A writer of names (RPZ, Postfix, STIX...): its output has no columns to choose."""

DEFAULT_COLUMNS = tuple(c for c in CANDIDATE_COLUMNS if c != "block")
"""Columns of the data formats when a feed does not choose (the ``permute`` columns: the
candidate's, but ``block``); columns a row has beyond these are kept by jsonl/json/yaml."""


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
    summary: str
    consumer: str
    """The tool that loads it, and how the tests prove it does."""
    extension: str
    checked: Writer | None
    """Writes rows for a consumer, unsafe names refused; ``None``: for people only (no feed)."""
    plain: Writer | None = None
    """Writes any rows as they come, unchecked; ``None``: not offered to ``scan``, ``rank``..."""
    settings: Mapping[str, Setting] = field(default_factory=dict)
    directory: bool = False
    """Written as a directory of files (MISP feed) rather than one file."""

    def write(
        self,
        rows: Iterable[Row],
        out: TextIO,
        options: WriterOptions | None = None,
        columns: Sequence[str] = (),
    ) -> int:
        """Write ``rows`` for a consumer (checked). Returns the entries written.

        Raises :class:`~typorisk.errors.TyporiskError` when the format has no checked writer
        (``table``) or a setting is bad, and :class:`UnsafeNameError` for an unsafe name
        (unless ``options.on_invalid`` is set)."""
        if self.checked is None:
            raise TyporiskError(f"format {self.name!r} is for people only, not a feed output")
        return self.checked(rows, out, options or WriterOptions(), columns)


def _valid_rows(rows: Iterable[Row], options: WriterOptions) -> Iterator[Row]:
    """Rows whose ``domain`` (and ``target``) are safe names; others go to ``on_invalid``."""
    from typorisk.writers.entries import check_name  # noqa: PLC0415 - the PSL loads with it

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


def _columns(options: WriterOptions, columns: Sequence[str]) -> tuple[str, ...]:
    """``columns`` when given, else the ``columns`` setting, else :data:`DEFAULT_COLUMNS`."""
    chosen = columns or options.settings.get("columns") or DEFAULT_COLUMNS
    if not isinstance(chosen, list | tuple) or not all(isinstance(c, str) for c in chosen):
        raise TyporiskError("columns: expected a list of column names")
    return tuple(chosen)


def write_json(rows: Iterable[Row], out: TextIO, columns: Sequence[str]) -> int:
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


def _data(write: DataWriter) -> Writer:
    """The checked writer of a data format: safe names only, the chosen columns."""

    def writer(
        rows: Iterable[Row], out: TextIO, options: WriterOptions, columns: Sequence[str]
    ) -> int:
        return write(_valid_rows(rows, options), out, _columns(options, columns))

    writer.__doc__ = write.__doc__
    return writer


def _plain(write: DataWriter) -> Writer:
    """The plain writer of a data format: every row as it comes, exactly ``columns``."""

    def writer(
        rows: Iterable[Row], out: TextIO, options: WriterOptions, columns: Sequence[str]
    ) -> int:
        return write(rows, out, columns)

    writer.__doc__ = write.__doc__
    return writer


def _names(module: str, name: str) -> Writer:
    """The checked writer of a name format: ``name`` in ``typorisk.writers.<module>`` (its
    entries check every name), imported on first use, so that the plain row formats
    (``typorisk resolve``) load neither the consumer formats nor the PSL."""

    def writer(
        rows: Iterable[Row], out: TextIO, options: WriterOptions, columns: Sequence[str]
    ) -> int:
        write: NameWriter = getattr(importlib.import_module(f"typorisk.writers.{module}"), name)
        return write(rows, out, options)

    writer.__qualname__ = writer.__name__ = name
    return writer


_COMMENTS = {"comments": Setting("bool", "write a comment saying why before each entry")}
_COLUMNS = {"columns": Setting("columns", "columns, in order (default: the permute columns)")}
_TEXT = {
    "dsn": Setting("str", "enhanced status code, e.g. 5.7.1"),
    "text": Setting("str", "reject text; {domain} and {target} are substituted"),
}


def _fmt(  # noqa: PLR0917 - a table row: positional reads best
    name: str,
    checked: Writer | None,
    summary: str,
    consumer: str,
    ext: str,
    settings: Mapping[str, Setting] | None = None,
    *,
    plain: Writer | None = None,
    directory: bool = False,
) -> tuple[str, Format]:
    return name, Format(
        name, summary, consumer, ext, checked, plain, settings or {}, directory=directory
    )


FORMATS: Mapping[str, Format] = dict(
    [
        _fmt(
            "csv",
            _data(write_csv),
            "CSV with a header",
            "spreadsheets, SIEM",
            "csv",
            _COLUMNS,
            plain=_plain(write_csv),
        ),
        _fmt(
            "jsonl",
            _data(write_jsonl),
            "one JSON object a line",
            "jq, SIEM",
            "jsonl",
            _COLUMNS,
            plain=_plain(write_jsonl),
        ),
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
            plain=_plain(write_yaml),
        ),
        _fmt(
            "list",
            _names("dns", "write_plain"),
            "one name a line",
            "Palo Alto EDL, OPNsense, Pi-hole",
            "txt",
            plain=_plain(write_list),  # unchecked: the first column's cells, one a line
        ),
        _fmt(
            "rpz",
            _names("dns", "write_rpz"),
            "RPZ zone: name and *.name, NXDOMAIN or sinkhole",
            "BIND response-policy, Unbound rpz: (named-checkzone, live Unbound)",
            "rpz",
            {
                "policy": Setting("str", "what a listed name returns", RPZ_POLICIES),
                "sinkhole_ipv4": Setting("str", "A answer for policy sinkhole"),
                "sinkhole_ipv6": Setting("str", "AAAA answer for policy sinkhole"),
                "ttl": Setting("int", "TTL of every record, seconds"),
                "origin": Setting("str", "zone name the consumer loads it as (rpz.typorisk)"),
                "previous_serial": Setting("int", "the new SOA serial is greater than this"),
                "passthru": Setting("names", "names always allowed (CNAME rpz-passthru.)"),
                "established": Setting(
                    "str",
                    "established domains: omit, or passthru (answered, logged)",
                    HELD_ACTIONS,
                ),
                **_COMMENTS,
            },
        ),
        _fmt(
            "unbound",
            _names("dns", "write_unbound"),
            "Unbound local-zone lines",
            "unbound-checkconf",
            "conf",
            {"policy": Setting("str", "local-zone type", UNBOUND_POLICIES), **_COMMENTS},
        ),
        _fmt(
            "dnsmasq",
            _names("dns", "write_dnsmasq"),
            "dnsmasq address=/name/ lines",
            "dnsmasq --test",
            "conf",
            {"sinkhole": Setting("str", "answer this address instead of NXDOMAIN"), **_COMMENTS},
        ),
        _fmt(
            "hosts",
            _names("dns", "write_hosts"),
            "hosts file lines (exact names)",
            "/etc/hosts, Pi-hole",
            "hosts",
            {"address": Setting("str", "address names map to (0.0.0.0)"), **_COMMENTS},
        ),
        _fmt(
            "abp",
            _names("dns", "write_abp"),
            "AdGuard/ABP ||name^ rules",
            "AdGuard Home",
            "txt",
            _COMMENTS,
        ),
        _fmt(
            "postfix-access",
            _names("mta", "write_postfix_access"),
            "Postfix access(5) recipient map",
            "postmap, postmap -q",
            "access",
            {
                "action": Setting("str", "access action", POSTFIX_ACTIONS),
                "warn_text": Setting("str", "WARN text for established domains"),
                **_TEXT,
                **_COMMENTS,
            },
        ),
        _fmt(
            "postfix-warn",
            _names("mta", "write_postfix_warn"),
            "Postfix access(5) WARN map: established look-alike domains (confirm the recipient)",
            "postmap, postmap -q",
            "access",
            {"warn_text": Setting("str", "WARN text; {domain} and {target}"), **_COMMENTS},
        ),
        _fmt(
            "postfix-transport",
            _names("mta", "write_postfix_transport"),
            "Postfix transport(5) error: map",
            "postmap, postmap -q",
            "transport",
            {**_TEXT, **_COMMENTS},
        ),
        _fmt(
            "exim",
            _names("mta", "write_exim"),
            "Exim domainlist file",
            "exim -bV, exim -bh",
            "list",
            _COMMENTS,
        ),
        _fmt(
            "squid",
            _names("proxy", "write_squid"),
            "Squid dstdomain list",
            "squid -k parse",
            "txt",
            _COMMENTS,
        ),
        _fmt(
            "suricata",
            _names("proxy", "write_suricata"),
            "Suricata DNS rules",
            "suricata -T",
            "rules",
            {
                "action": Setting("str", "rule action", SURICATA_ACTIONS),
                "sid_base": Setting("int", "first signature id (9000000)"),
                **_COMMENTS,
            },
        ),
        _fmt(
            "suricata-dataset",
            _names("proxy", "write_suricata_dataset"),
            "Suricata string dataset (exact names)",
            "suricata -T",
            "lst",
        ),
        _fmt(
            "stix",
            _names("intel", "write_stix"),
            "STIX 2.1 bundle of Indicators",
            "stix2.parse",
            "json",
            {"org": Setting("str", "creating organisation (Identity name)")},
        ),
        _fmt(
            "misp",
            _names("intel", "write_misp_event"),
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
        _fmt(
            "m365-csv", _names("m365", "write_m365_csv"), "M365 block list CSV", "Import-Csv", "csv"
        ),
        _fmt(
            "m365-warn",
            _names("m365", "write_m365_warn"),
            "M365 mail flow rule list: established look-alike domains (confirm the recipient)",
            "Import-Csv",
            "csv",
        ),
        _fmt(
            "m365-ps",
            _names("m365", "write_m365_ps"),
            "Exchange Online PowerShell script",
            "Exchange Online PowerShell",
            "ps1",
            {"transport_rule": Setting("bool", "also add outbound reject transport rules")},
        ),
        # detection rules (ail-typo-squatting offers both)
        _fmt(
            "yara",
            _names("rules", "write_yara"),
            "YARA rules, one per protected target (nocase fullword strings)",
            "YARA, yara-python (compiled and matched in the tests)",
            "yar",
        ),
        _fmt(
            "regex",
            _names("rules", "write_regex"),
            "one regular expression matching every listed name",
            "Python re, PCRE, RE2 (Python re in the tests)",
            "txt",
            {"subdomains": Setting("bool", "also match names below a listed name (true)")},
        ),
        # for people only: no feed output
        _fmt(
            "table",
            None,
            "an aligned text table, long cells wrapped",
            "people (a terminal)",
            "txt",
            plain=_plain(write_table),
        ),
    ]
)
"""Every format, by name (feed formats first, in the order the feed schema lists them)."""

FEED_FORMATS: Mapping[str, Format] = {n: f for n, f in FORMATS.items() if f.checked is not None}
"""The formats a feed may write (:meth:`Format.write`), in registry order."""
ROW_FORMATS: tuple[str, ...] = tuple(n for n, f in FORMATS.items() if f.plain is not None)
"""The formats that print any rows as they come (:func:`write_rows`): the ``--format`` choices
of ``scan``, ``rank``, ``resolve``, ``history``..."""

CANDIDATE_FORMATS: tuple[str, ...] = tuple(
    name for name, f in FEED_FORMATS.items() if not f.directory and f.plain is None
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
    spec = FEED_FORMATS.get(fmt)
    if spec is None or spec.directory:
        raise TyporiskError(
            f"unknown format {fmt!r}; expected one of {', '.join(CANDIDATE_FORMATS)}"
        )
    return spec.write(rows, out, options)


_PLAIN = WriterOptions(now=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
"""The options of a plain write (plain writers read none; no clock is read for them)."""


def write_rows(rows: Iterable[Row], fmt: str, out: TextIO, columns: Sequence[str]) -> int:
    """Write any ``rows`` to ``out`` as they come (unchecked) in ``fmt``, a name in
    :data:`ROW_FORMATS`.

    ``columns`` orders the output; ``list`` writes only the first column. Returns the number of
    rows written. Raises ``KeyError`` for a format that has no plain writer (the CLI restricts
    choices).
    """
    plain = FORMATS[fmt].plain
    if plain is None:
        raise KeyError(fmt)
    return plain(rows, out, _PLAIN, columns)

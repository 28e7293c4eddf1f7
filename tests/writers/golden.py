"""The golden rows: records with every facet, flattened and written in every format.

``python tests/writers/golden.py DIR`` writes the files; ``test_golden.py`` writes them again
and compares them byte for byte with ``tests/writers/golden/``. The records are built by hand
(no network, no clock: ``NOW`` is fixed), so the files change only when a row or a writer does.
Regenerate with care: a difference is a change of every user's output.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from typorisk import writers
from typorisk.model import Candidate
from typorisk.pipeline import COLUMNS, RiskFacet, ScanRecord, to_row
from typorisk.pipeline import rows as schema
from typorisk.probe.prober import ProbeResult
from typorisk.probe.replies import Verdict
from typorisk.probe.tls import CertFacts as SmtpCert
from typorisk.register.network import NetworkOwner
from typorisk.register.records import Lookup, LookupStatus, RegistrationFacts, Source
from typorisk.resolve.records import Mail, MxHost, Outcome, Records, Registration, Resolution
from typorisk.web.classify import WebClass
from typorisk.web.inspect import WebResult
from typorisk.web.tls import CertFacts as WebCert
from typorisk.writers import WriterOptions, write_candidates, write_rows
from typorisk.writers import formats as registry

FORMATS = getattr(writers, "FEED_FORMATS", writers.FORMATS)
"""The formats a feed may write (the whole registry before it held ``table``)."""

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
ROW_FORMAT_NAMES = ("table", "csv", "jsonl", "list", "yaml")


def records() -> list[ScanRecord]:
    """Eight records: a candidate alone, every facet, unknowns, partial facets, plain weights,
    an IDN, a typed name below another's domain, and a name no consumer may carry."""
    candidates = [
        Candidate("pentagon.mil", "pentagon.ml", "pentagon.ml", "pentagon.ml",
                  ("suffix-omission",), 0.0015, "ml"),
        Candidate("pentagon.mil", "pentagn.mil", "pentagn.mil", "pentagn.mil", ("omission",),
                  0.003, "mil"),
        Candidate("us.corp.com", "cprp.com", "us.cprp.com", "cprp.com",
                  ("replacement", "dvorak"), 5.3e-4, "com"),
        Candidate("chase.com", "se.com", "cha.se.com", "se.com", ("missing-dot",), 2.1e-4,
                  "com", "cha.se.com"),
        Candidate("paypal.com", "xn--pypal-4ve.com", "xn--pypal-4ve.com", "pаypal.com",
                  ("homoglyph", "replacement"), 1e-6, "com"),
        Candidate("us.corp.com", "corp.co", "us.corp.co", "corp.co", ("suffix-omission",),
                  0.0, "co"),
        Candidate("army.mil", "arrmy.mil", "arrmy.mil", "arrmy.mil", ("repetition",),
                  0.123456789, "mil"),
        Candidate("army.mil", "bad name.mil", "bad name.mil", "bad name.mil", ("insertion",),
                  1e-3, "mil"),
    ]  # fmt: skip
    resolution = Resolution(
        domain=candidates[1].blocked,
        registration=Registration.REGISTERED,
        outcome=Outcome.ANSWER,
        mail=Mail.MX,
        records=Records(
            ns=("ns1.evil.example",),
            a=("192.0.2.7",),
            aaaa=("2001:db8::7",),
            mx=(MxHost(10, "mx.evil.example"), MxHost(0, "")),
            cname="alias.example",
            spf=True,
        ),
        zone_wildcard=False,
        queries=4,
    )
    unknown = Resolution(
        domain=candidates[2].domain,
        registration=Registration.UNKNOWN,
        outcome=Outcome.PROBE_FAILED,
        mail=Mail.UNKNOWN,
        queries=9,
    )
    lookup = Lookup(
        candidates[1].domain,
        LookupStatus.FOUND,
        Source.RDAP,
        "https://rdap.example/",
        RegistrationFacts(
            created="2025-12-01",
            expires="2026-12-01",
            registrar="Evil Registrar, Inc.",
            registrar_iana=9999,
            status=("client transfer prohibited", "ok"),
            registrant_org="=cmd|' /C calc'!A0",
            abuse_email="abuse@registrar.example",
            abuse_phone="+1.5555551234",
        ),
        reason="registrar-rdap-timeout",
    )
    network = NetworkOwner(
        "192.0.2.7",
        LookupStatus.FOUND,
        ("192.0.2.0/24",),
        net_name="EXAMPLE-NET",
        net_handle="NET-192-0-2-0-1",
        net_country="US",
        net_abuse="abuse@net.example",
        asn=64500,
        asn_name="EXAMPLE-AS",
    )
    probe = ProbeResult(
        candidates[1].domain,
        Verdict.ACCEPTS_ANY,
        "mx.evil.example:25",
        250,
        "2.1.5 Ok\x1b[31m",
        tls="starttls",
        cert=SmtpCert("Let's Encrypt", ("mx.evil.example", "*.evil.example"), 12),
    )
    web = WebResult(
        candidates[1].domain,
        WebClass.LOGIN,
        final_url="https://login.evil.example/\u202e",
        similarity=0.8765,
        cert=WebCert(
            "Evil CA\x07",
            dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
            28,
            ("login.evil.example",),
            False,
            False,
            "ab" * 32,
        ),
        error="body cut at 1 MiB",
        favicon=-12345,
        fuzzy="T1ABC",
    )
    bare_web = WebResult(candidates[3].domain, WebClass.UNREACHABLE, error="")
    risk = RiskFacet(
        0.91234,
        "mail",
        False,
        ("catch-all MX", "new: 90 days"),
        tuple(
            (k, v) for k, v in zip(schema.CONTRIBUTIONS, (0.5, 0.25, 0.125, 1.0, 2.0), strict=True)
        ),
        "op-1",
    )
    full = ScanRecord(
        candidates[1],
        weight=2.0,
        target_mx=("mx.pentagon.mil",),
        target_ns=("ns.pentagon.mil",),
        resolution=resolution,
        registration=lookup,
        network=network,
        probe=probe,
        web=web,
        risk=risk,
    )
    return [
        ScanRecord(candidates[0]),
        full,
        ScanRecord(candidates[2], resolution=unknown),
        ScanRecord(
            candidates[3],
            resolution=unknown,
            registration=Lookup(candidates[3].domain, LookupStatus.UNKNOWN, reason="timeout"),
            probe=ProbeResult(candidates[3].domain, Verdict.TIMEOUT),
            web=bare_web,
        ),
        ScanRecord(candidates[4], resolution=resolution, risk=risk),
        *(ScanRecord(c, weight=0.5) for c in candidates[5:]),
    ]


def stage_rows() -> dict[str, Callable[[object], dict[str, object]]]:
    """Each stage's own row function, wherever it lives."""
    try:
        from typorisk.pipeline import rows as home

        found = {
            name: getattr(home, name)
            for name in ("resolution_row", "registration_row", "network_row", "probe_row")
        }
        found["web_row"] = home.web_row
    except AttributeError:
        from typorisk.probe import probe_row
        from typorisk.register.network import network_row
        from typorisk.register.records import registration_row
        from typorisk.resolve.records import resolution_row
        from typorisk.web import web_row

        found = {
            "resolution_row": resolution_row,
            "registration_row": registration_row,
            "network_row": network_row,
            "probe_row": probe_row,
            "web_row": web_row,
        }
    return found  # type: ignore[return-value]


def files() -> Iterator[tuple[str, str]]:
    """(file name, text) of every golden file."""
    held = records()
    yield "schema.md", "\n".join(schema.markdown_table()) + "\n"
    lists = {
        "CANDIDATE_COLUMNS": schema.CANDIDATE_COLUMNS,
        "scan_columns": [
            schema.scan_columns(rank=r, registration=g, probe=p, web=w)
            for r in (False, True)
            for g in (False, True)
            for p in (False, True)
            for w in (False, True)
        ],
        "columns_of": {s: schema.columns_of(s) for s in sorted({c.stage for c in COLUMNS})},
        "formats": {
            name: [f.summary, f.consumer, f.extension, f.directory, sorted(f.settings)]
            for name, f in FORMATS.items()
        },
        "settings": {
            name: {k: [s.kind, s.help, list(s.choices)] for k, s in f.settings.items()}
            for name, f in FORMATS.items()
        },
        "ROW_FORMATS": sorted(writers.ROW_FORMATS),
        "CANDIDATE_FORMATS": writers.CANDIDATE_FORMATS,
        "DEFAULT_COLUMNS": registry.DEFAULT_COLUMNS,
    }
    yield "lists.json", json.dumps(lists, indent=1, default=list) + "\n"
    # the rows, without and with columns
    text = "".join(json.dumps(to_row(r), ensure_ascii=False) + "\n" for r in held)
    yield "to_row.jsonl", text
    every = tuple(c.name for c in COLUMNS)
    scan = schema.scan_columns(rank=True, registration=True, probe=True, web=True)
    for name, columns in (("every", every), ("scan", scan)):
        text = "".join(json.dumps(to_row(r, columns), ensure_ascii=False) + "\n" for r in held)
        yield f"to_row-{name}.jsonl", text
    full = held[1]
    facets = {
        "resolution_row": [full.resolution, held[2].resolution],
        "registration_row": [full.registration, held[3].registration],
        "network_row": [full.network],
        "probe_row": [full.probe, held[3].probe],
        "web_row": [full.web, held[3].web],
    }
    for name, function in stage_rows().items():
        text = "".join(json.dumps(function(f), ensure_ascii=False) + "\n" for f in facets[name])
        yield f"{name}.jsonl", text
    # every row format, every column
    for fmt in ROW_FORMAT_NAMES:
        table = ("domain", "risk", "capture", "reasons", "mx", "web_similarity")
        for name, chosen in (("every", every), ("candidate", schema.CANDIDATE_COLUMNS)):
            columns = table if fmt == "table" and name == "every" else chosen
            out = io.StringIO()
            rows = [to_row(r, columns) for r in held]
            count = write_rows(rows, fmt, out, columns)
            yield f"rows-{name}.{fmt}", f"{count}\n{out.getvalue()}"
    # every format of the registry that writes one file, as permute and the feeds call them
    for fmt, spec in FORMATS.items():
        if spec.directory:
            continue
        for name, columns in (("default", None), ("scan", scan)):
            settings: dict[str, object] = {}
            if columns is not None and "columns" in spec.settings:
                settings["columns"] = list(columns)
            out = io.StringIO()
            refused: list[str] = []
            options = WriterOptions(
                now=NOW,
                feed="golden",
                settings=settings,
                on_invalid=lambda row, exc, held=refused: held.append(
                    f"{row.get('domain')}: {exc}"
                ),
            )
            rows = [to_row(r) for r in held]
            count = write_candidates(rows, fmt, out, options)
            yield f"formats-{name}.{fmt}", f"{count} {refused}\n{out.getvalue()}"


def write(directory: Path) -> None:
    """Write every golden file into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files():
        (directory / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    os.environ["COLUMNS"] = "400"  # the table's width (the test sets the same)
    write(Path(sys.argv[1]))

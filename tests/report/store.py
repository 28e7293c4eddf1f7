"""A real store with two weekly runs, registration and web columns on some rows, and an HTML
table reader for the review tests."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from pathlib import Path

from typorisk.rank import Observation
from typorisk.store import Store

from ..rank.world import make_world

ABUSE = {
    "registrar": "Example Registrar, Inc.",
    "abuse_email": "abuse@registrar.example",
    "abuse_phone": "+1.5555550100",
    "net_name": "EXAMPLE-HOSTING",
    "net_abuse": "noc@hosting.example",
    "asn": 64500,
    "asn_name": "EXAMPLE-AS",
}
"""Registration columns (issue 16's names) given to the operation's rows of brand0 only."""
WEB = "login"
"""The web evidence class (issue 19's ``web`` column) given to brand1's operation rows."""


def as_row(obs: Observation) -> dict[str, object]:
    row = {f.name: getattr(obs, f.name) for f in dataclasses.fields(obs)}
    row["kinds"] = list(obs.kinds)
    for key in ("mx", "ns", "a", "aaaa"):
        row[key] = list(row[key])  # type: ignore[call-overload]
    row["created"] = None
    return row


def week_rows(*, web: bool = True) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The rows of the two weeks: the operation (50 names) appears in the second one."""
    world = make_world(noise=30)
    rows = [as_row(o) for o in world.observations]
    for row in rows:
        if row["domain"] in world.operation and row["target"] == "brand0.com":
            row.update(ABUSE)
        if web and row["domain"] in world.operation and row["target"] == "brand1.com":
            row.update(web=WEB, web_final_url=f"https://{row['domain']}/signin")
    before = [
        {**r, "registration": "unregistered", "mail": "none", "mx": [], "a": []}
        if r["domain"] in world.operation
        else r
        for r in rows
    ]
    return before, rows


def make_store(path: Path, *, web: bool = True) -> Store:
    """Two weekly runs of feed ``brands``; the operation appears in the second one."""
    store = Store(path)
    before, rows = week_rows(web=web)
    for when, batch in (("2026-11-14T03:00:00+00:00", before), ("2026-11-21T03:00:00+00:00", rows)):
        run = store.begin_run("brands", {}, now=when)
        store.add(run, batch, now=when)
        store.finish_run(run, {}, now=when)
    return store


class Tables(HTMLParser):
    """Every ``<table>`` of a page: its section id, header cells and body rows of cell texts."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[str], list[list[str]]]] = []
        self._section = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self._section = dict(attrs).get("id") or ""
        elif tag == "table":
            self.tables.append((self._section, [], []))
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in ("br", "li") and self._cell is not None:
            self._cell.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()).strip(" |"))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            _, header, body = self.tables[-1]
            if not header:
                header.extend(self._row)
            else:
                body.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def in_section(self, section: str) -> list[tuple[list[str], list[list[str]]]]:
        """The tables of one section."""
        return [(h, b) for s, h, b in self.tables if s == section]

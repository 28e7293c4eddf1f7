"""Threat-intelligence formats: a STIX 2.1 bundle and a MISP feed (event, hashes, manifest).

Both are written as a stream (one JSON object per indicator or attribute), with ids derived from
the feed name and the domain (UUIDv5), so the same name in the same feed keeps its id from run to
run and a platform updates it rather than duplicating it.

Operations (look-alikes joined by shared infrastructure, a row's ``operation``) are carried as
STIX ``infrastructure`` objects, each indicated by its members' indicators (``relationship``
objects, written after the indicators: only the ids of members are kept meanwhile), and in MISP
as a tag ``typorisk:operation="LABEL"`` on each member's attribute (MISP groups and searches
attributes by tag).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from typing import TextIO

from typorisk.writers.entries import Entry, Row, WriterOptions, comment_safe, entries

NAMESPACE = uuid.UUID("6f0c2a4e-8d1b-5c3a-9e7f-1a2b3c4d5e6f")
"""Namespace of every UUIDv5 typorisk derives (fixed forever: ids must stay stable)."""


def _stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "\x00".join(parts)))


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def _sdo(kind: str, parts: tuple[str, ...], stamp: str, creator: str | None) -> dict[str, object]:
    """The fields every STIX 2.1 object here starts with: its type, a deterministic id from
    ``parts`` (the same input gives the same id in every run), its creator and timestamps."""
    head: dict[str, object] = {
        "type": kind,
        "spec_version": "2.1",
        "id": f"{kind}--{_uuid(kind, *parts)}",
    }
    if creator is not None:
        head["created_by_ref"] = creator
    return {**head, "created": stamp, "modified": stamp}


def stix_identity(options: WriterOptions) -> dict[str, object]:
    """The STIX Identity that creates every indicator (setting ``org``, default ``typorisk``)."""
    org = comment_safe(options.get("org", "typorisk"), 100)
    stamp = _stamp(options.now)
    return {
        **_sdo("identity", (org,), stamp, None),
        "name": org,
        "identity_class": "organization",
    }


def stix_indicator(entry: Entry, options: WriterOptions, creator: str) -> dict[str, object]:
    """The STIX 2.1 Indicator of one entry: the name and its subdomains."""
    stamp = _stamp(options.now)
    name = entry.domain
    indicator: dict[str, object] = {
        **_sdo("indicator", (options.feed, name), stamp, creator),
        "name": f"Typo domain {name}",
        "description": entry.reason(),
        "indicator_types": ["anomalous-activity"],
        "pattern": f"[domain-name:value = '{name}' OR domain-name:value LIKE '%.{name}']",
        "pattern_type": "stix",
        "valid_from": stamp,
        "labels": ["typosquatting", *entry.kinds[:3]],
    }
    if entry.risk is not None:
        indicator["confidence"] = round(entry.risk * 100)
    return indicator


def stix_infrastructure(
    label: str, members: int, options: WriterOptions, creator: str
) -> dict[str, object]:
    """The STIX 2.1 Infrastructure of one operation (its id from the feed and the label)."""
    stamp = _stamp(options.now)
    return {
        **_sdo("infrastructure", (options.feed, label), stamp, creator),
        "name": f"Typosquatting operation {label}",
        "description": comment_safe(
            f"{members} look-alikes of this feed joined by the infrastructure they share "
            f"(labelled by the most identifying: {label})"
        ),
        "infrastructure_types": ["phishing"],
    }


def stix_relationship(
    indicator: str, infrastructure: str, options: WriterOptions, creator: str
) -> dict[str, object]:
    """``indicator`` indicates ``infrastructure`` (a STIX 2.1 Relationship, id from both)."""
    stamp = _stamp(options.now)
    return {
        **_sdo("relationship", (indicator, infrastructure), stamp, creator),
        "relationship_type": "indicates",
        "source_ref": indicator,
        "target_ref": infrastructure,
    }


def write_stix(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """A STIX 2.1 bundle: the creating Identity, one Indicator per name, then one
    Infrastructure per operation with a Relationship from each member's Indicator. Streamed
    (memory: the indicator ids of operation members)."""
    identity = stix_identity(options)
    creator = str(identity["id"])
    bundle = _uuid("bundle", options.feed, _stamp(options.now))
    out.write(f'{{"type":"bundle","id":"bundle--{bundle}","objects":[\n{_json(identity)}')
    count = 0
    members: dict[str, list[str]] = {}
    for entry in entries(rows, options):
        indicator = stix_indicator(entry, options, creator)
        out.write(",\n" + _json(indicator))
        if entry.operation:
            members.setdefault(entry.operation, []).append(str(indicator["id"]))
        count += 1
    for label, ids in sorted(members.items()):
        infrastructure = stix_infrastructure(label, len(ids), options, creator)
        out.write(",\n" + _json(infrastructure))
        for indicator_id in ids:
            relationship = stix_relationship(
                indicator_id, str(infrastructure["id"]), options, creator
            )
            out.write(",\n" + _json(relationship))
    out.write("\n]}\n")
    return count


def misp_event_uuid(options: WriterOptions) -> str:
    """The event's UUID: one event per feed, replaced on every run."""
    return _uuid("misp-event", options.feed)


def _event_head(options: WriterOptions) -> dict[str, object]:
    org = comment_safe(options.get("org", "typorisk"), 100)
    stamp = str(int(options.now.timestamp()))
    return {
        "uuid": misp_event_uuid(options),
        "info": comment_safe(options.get("info", f"{options.feed}: likely typo domains"), 200),
        "date": options.now.astimezone(dt.UTC).date().isoformat(),
        "timestamp": stamp,
        "publish_timestamp": stamp,
        "published": True,
        "analysis": "2",
        "threat_level_id": str(options.get("threat_level_id", 3)),
        "Orgc": {"name": org, "uuid": _uuid("org", org)},
        "Tag": [{"name": "typorisk:typosquatting", "colour": "#d62728"}],
    }


def write_misp_event(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """The MISP feed event ``<uuid>.json``: ``{"Event": {..., "Attribute": [...]}}`` with one
    ``domain`` attribute (category Network activity, to_ids) per name, tagged
    ``typorisk:operation="LABEL"`` when it belongs to an operation. Streamed."""
    head = _json({"Event": _event_head(options)})
    out.write(head[:-2] + ',"Attribute":[\n')  # reopen the event object to stream attributes
    event = misp_event_uuid(options)
    stamp = str(int(options.now.timestamp()))
    count = 0
    for entry in entries(rows, options):
        attribute = {
            "uuid": _uuid("misp-attribute", event, entry.domain),
            "type": "domain",
            "category": "Network activity",
            "to_ids": True,
            "value": entry.domain,
            "comment": entry.reason(),
            "timestamp": stamp,
            "disable_correlation": False,
        }
        if entry.operation:
            attribute["Tag"] = [{"name": f'typorisk:operation="{entry.operation}"'}]
        out.write(("," if count else "") + _json(attribute) + "\n")
        count += 1
    out.write("]}}\n")
    return count


def write_misp_hashes(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """The feed's ``hashes.csv``: ``md5(value),event_uuid`` per attribute (MISP's fast lookup)."""
    event = misp_event_uuid(options)
    count = 0
    for entry in entries(rows, options):
        digest = hashlib.md5(entry.domain.encode("ascii"), usedforsecurity=False).hexdigest()
        out.write(f"{digest},{event}\n")
        count += 1
    return count


def misp_manifest(options: WriterOptions) -> dict[str, object]:
    """The feed's ``manifest.json``: event uuid → the event's summary fields."""
    head = _event_head(options)
    return {
        str(head["uuid"]): {
            "Orgc": head["Orgc"],
            "Tag": head["Tag"],
            "info": head["info"],
            "date": head["date"],
            "analysis": 2,
            "threat_level_id": int(str(head["threat_level_id"])),
            "timestamp": int(str(head["timestamp"])),
        }
    }

"""What a writer is given besides rows and a stream: :class:`WriterOptions`, and the values
the per-format settings may take.

A light module (no PSL, no established-domain list): the format registry and the plain row
writers import it without loading the consumer formats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from typorisk import __version__
from typorisk.errors import UnsafeNameError

if TYPE_CHECKING:
    from typorisk.parse.established import TopSites

Row = Mapping[str, object]

RPZ_POLICIES = ("nxdomain", "nodata", "sinkhole", "drop")
"""What a name listed in an RPZ zone returns (setting ``policy`` of ``rpz``)."""
HELD_ACTIONS = ("omit", "passthru")
"""What the RPZ does with an established domain: leave it out (a comment says why), or list
it as ``CNAME rpz-passthru.`` (answered normally; logged where the server logs RPZ hits)."""
UNBOUND_POLICIES = ("always_nxdomain", "always_refuse", "always_null", "refuse", "deny")
"""Unbound ``local-zone`` types (setting ``policy`` of ``unbound``)."""
POSTFIX_ACTIONS = ("REJECT", "DEFER", "HOLD", "WARN", "DISCARD")
"""Postfix access(5) actions (setting ``action`` of ``postfix-access``)."""
SURICATA_ACTIONS = ("alert", "drop", "reject")
"""Suricata rule actions (setting ``action`` of ``suricata``)."""


OnInvalid = Callable[[Row, UnsafeNameError], None]


@dataclass(frozen=True, slots=True)
class WriterOptions:
    """Everything a writer may need besides rows and a stream. Writers never read the clock:
    ``now`` is given by the entry point (the CLI or the feed runner)."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    """Timestamp of the run (timezone-aware, UTC); dates in STIX/MISP and the RPZ serial."""
    feed: str = "typorisk"
    """Feed name: in headers, rule messages, STIX/MISP titles and ids."""
    generator: str = f"typorisk {__version__}"
    """What produced the file, written in every header that allows comments."""
    on_invalid: OnInvalid | None = None
    """Called for a row whose name is refused; ``None`` (default): raise
    :class:`UnsafeNameError`."""
    settings: Mapping[str, object] = field(default_factory=dict)
    """Per-format settings (``policy``, ``serial``, ``reject_text``...); each format documents
    and validates its own keys (see :data:`typorisk.writers.formats.FORMATS`)."""
    top_sites: TopSites | None = None
    """Established domains (ranked); ``None``: the list in force
    (:func:`~typorisk.parse.established.load_top_sites`)."""
    allow: frozenset[str] = frozenset()
    """Registrable domains that are the brand's own (never blocked, never warned about)."""
    block_anyway: frozenset[str] = frozenset()
    """Names blocked even when they are established domains (the explicit override)."""
    this_year: int | None = None
    """The run's year, for "registered years before"; ``None``: the year of :attr:`now`."""

    def get(self, key: str, default: object = None) -> object:
        """A per-format setting, or ``default``."""
        return self.settings.get(key, default)

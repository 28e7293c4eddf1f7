"""The records that flow through the pipeline.

Invariants shared by every record: a domain name is a lowercase A-label (IDNA 2008, ASCII only),
without a trailing dot. Unicode forms exist only for display (``unicode`` fields).
Records are frozen: later stages add facets in new records, they never mutate earlier ones.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Target:
    """A protected name, as a person types it after ``@`` or in a browser.

    Example: ``us.corp.co.uk`` gives subdomain ``us``, label ``corp``, suffix ``co.uk``,
    registrable ``corp.co.uk``.
    """

    text: str
    """The input exactly as given (a domain, an e-mail address or a URL)."""
    fqdn: str
    """The whole typed name: lowercase A-label, no trailing dot."""
    subdomain: str
    """Labels typed left of the registrable domain, dot-joined; ``""`` when there are none."""
    label: str
    """The registrable label (the one a registrant chooses), A-label."""
    suffix: str
    """The public suffix (ICANN section of the Public Suffix List), A-label."""
    unicode: str
    """``fqdn`` in Unicode, for display only."""

    @property
    def registrable(self) -> str:
        """The registrable domain: ``label.suffix``."""
        return f"{self.label}.{self.suffix}"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A likely typo of a target, as it would be registered.

    ``domain`` is what a squatter registers and what a blocklist names; ``fqdn`` is the typed name
    that reaches it (they differ when the target has a subdomain: typing ``us.cprp.com`` for
    ``us.corp.com`` reaches the registrable ``cprp.com``).
    """

    target: str
    """The target's ``fqdn`` (lowercase A-label)."""
    domain: str
    """Registrable domain of the typo: lowercase A-label, a single label above a public suffix."""
    fqdn: str
    """The full typed name that produced ``domain`` (A-label); equal to ``domain`` or below it."""
    unicode: str
    """``domain`` in Unicode, for display only (equal to ``domain`` when it is ASCII)."""
    kinds: tuple[str, ...]
    """Every operator that produced this name, most likely first; never empty."""
    likelihood: float
    """Probability, in [0, 1], that one typing of the target yields this name (noisy-channel model;
    summed over every edit path that reaches it). See :mod:`typorisk.permute.likelihood`."""
    suffix: str
    """Public suffix of ``domain``."""
    block: str = ""
    """The name a blocklist names (lowercase A-label): ``domain`` when the typo is a registrable
    domain (``cprp.com``, or ``us.cprp.com`` for ``us.corp.com``), else the typed ``fqdn`` below
    someone else's registrable domain (``cha.se.com`` for ``chase.com``: blocking ``se.com``
    would block its owner). ``""`` (records made elsewhere): read it as ``domain``."""

    @property
    def blocked(self) -> str:
        """:attr:`block`, or ``domain`` when it is empty."""
        return self.block or self.domain

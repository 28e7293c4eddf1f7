"""Pure helpers shared by the RDAP and WHOIS parsers: dates, status names, untrusted text."""

from __future__ import annotations

import datetime as dt
import re

from typorisk.kit.text import MAX_TEXT, clean

__all__ = ["MAX_TEXT", "clean", "is_redacted", "iso_date", "rfc8056"]

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_REDACTED = re.compile(
    r"redacted|privacy|withheld|not disclosed|data protected|gdpr|non-public", re.IGNORECASE
)
_FORMATS = (
    "%Y-%m-%d",
    "%Y.%m.%d",
    "%Y/%m/%d",
    "%d-%b-%Y",
    "%d.%m.%Y",
    "%d/%m/%Y",
    "%Y%m%d",
    "%d %b %Y",
    "%b %d %Y",
)


def is_redacted(value: str | None) -> bool:
    """True when a contact value is a redaction placeholder ("REDACTED FOR PRIVACY"...)."""
    return value is not None and _REDACTED.search(value) is not None


def iso_date(value: object) -> str | None:
    """A timestamp or date in a common registry format → ISO ``YYYY-MM-DD`` (UTC), else None.

    ISO 8601 with an offset is converted to UTC first. Ambiguous or unknown formats give None:
    a date is never guessed.
    """
    text = clean(value)
    if text is None:
        return None
    try:
        stamp = dt.datetime.fromisoformat(text.replace(" UTC", "").replace("Z", "+00:00"))
    except ValueError:
        pass
    else:
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(dt.UTC)
        return stamp.date().isoformat()
    head = text.split("T")[0].split(" (")[0]
    for fmt in _FORMATS:
        for candidate in (head, " ".join(text.split()[:3]), text.split()[0]):
            try:
                return dt.datetime.strptime(candidate, fmt).date().isoformat()
            except ValueError:
                continue
    return None


def rfc8056(status: str) -> str | None:
    """An EPP status (``clientTransferProhibited``, with or without an ICANN URL) in RFC 8056
    RDAP spelling (``client transfer prohibited``); ``ok`` becomes ``active``."""
    text = clean(status)
    if text is None:
        return None
    word = text.split()[0] if "epp#" in text or "http" in text else text
    if " " not in word and any(c.isupper() for c in word):
        word = _CAMEL.sub(" ", word)
    word = word.lower().strip()
    return "active" if word == "ok" else word or None

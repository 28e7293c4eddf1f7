"""Untrusted text made safe for where it goes: rows, terminals, CSV cells.

Everything here is pure. Network data (MX names, TXT records, registry and SMTP replies) is
cleaned once when a stage reads it (:func:`clean`), and escaped again for each output format by
the writers (:func:`terminal_safe`, :func:`csv_safe`; Markdown cells:
:func:`typorisk.report.render.markdown_cell`).
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_TERMINAL = dict.fromkeys([*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)], "?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_TEXT = 200
"""Longest text kept from a registry or server answer, in characters."""


def clean(value: object) -> str | None:
    """Untrusted text made safe for rows and terminals: no control or bidi characters,
    collapsed whitespace, at most :data:`MAX_TEXT` characters; ``None`` when empty."""
    if not isinstance(value, str):
        return None
    text = " ".join(_CONTROL.sub(" ", value).split())
    return text[:MAX_TEXT] or None


def terminal_safe(text: str) -> str:
    """``text`` with every C0/C1 control character shown as ``?`` (no escape reaches a tty)."""
    return text.translate(_TERMINAL)


def csv_safe(text: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP "CSV Injection"): a cell
    starting with ``= + - @``, tab or CR gets a leading ``'``. Numbers are not passed here, so
    ``-0.5`` written by typorisk itself stays a number."""
    return "'" + text if text.startswith(_FORMULA_START) else text

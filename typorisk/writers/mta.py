"""Mail transfer agents: Postfix access(5) and transport(5) maps, Exim domain lists.

Postfix maps are source files for ``postmap``; each name gets an entry for itself and one for
its subdomains (``.name``), so ``user@mx.pentagon.ml`` is stopped as well. See
``examples/postfix/main.cf`` for where the maps go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO

from typorisk.errors import TyporiskError
from typorisk.writers.blocklist import write_blocklist
from typorisk.writers.entries import (
    Entry,
    Row,
    WriterOptions,
    comment_safe,
    entries,
    header_lines,
)
from typorisk.writers.options import POSTFIX_ACTIONS

DEFAULT_TEXT = "{domain} looks like a typo of {target}, check the recipient address"
_DSN = re.compile(r"[45]\.\d{1,3}\.\d{1,3}")


def _message(options: WriterOptions, entry: Entry) -> str:
    """The reject text of one entry: the ``text`` setting with ``{domain}``/``{target}``
    substituted (no other formatting), reduced to the safe comment alphabet."""
    template = str(options.get("text", DEFAULT_TEXT))
    text = template.replace("{domain}", entry.domain).replace(
        "{target}", entry.target or "a protected domain"
    )
    return comment_safe(text, 200).strip() or "typo domain"


def _dsn(options: WriterOptions) -> str:
    dsn = str(options.get("dsn", "5.7.1"))
    if not _DSN.fullmatch(dsn):
        raise TyporiskError(f"dsn: {dsn!r} is not an enhanced status code like 5.7.1")
    return dsn


WARN_TEXT = "{domain} is an outside domain that looks like {target}: check the recipient"


def _warn(options: WriterOptions, e: Entry) -> str:
    """``name WARN text`` and ``.name WARN text``: Postfix logs it and delivers the mail."""
    template = str(options.get("warn_text", WARN_TEXT))
    text = template.replace("{domain}", e.domain).replace("{target}", e.target or "ours")
    value = f"WARN {comment_safe(text, 200).strip() or 'look-alike domain'}"
    return f"{e.domain} {value}\n.{e.domain} {value}"


def write_postfix_access(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """access(5) map for ``check_recipient_access hash:FILE``: ``name REJECT 5.7.1 text`` and
    ``.name ...``. Settings: ``action`` (REJECT, DEFER, HOLD, WARN, DISCARD), ``dsn`` (5.7.1;
    REJECT/DEFER only), ``text`` (``{domain}``, ``{target}`` substituted), ``warn_text``.
    An established domain (``mail.com`` for ``mail.mil``) gets ``WARN`` whatever ``action``
    says: Postfix logs the recipient and delivers (``block_anyway`` overrides)."""
    action = str(options.get("action", "REJECT"))
    if action not in POSTFIX_ACTIONS:
        raise TyporiskError(f"action {action!r}: expected one of {', '.join(POSTFIX_ACTIONS)}")
    code = f"{_dsn(options)} " if action in ("REJECT", "DEFER") else ""

    def render(e: Entry) -> str:
        value = f"{action} {code}{_message(options, e)}"
        return f"{e.domain} {value}\n.{e.domain} {value}"

    return write_blocklist(
        rows,
        out,
        options,
        render=render,
        comment="#",
        what=f"Postfix access map, {action}",
        render_held=lambda e: _warn(options, e),
    )


def write_postfix_warn(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """The confirm-the-recipient map: ``name WARN text`` for each established domain of
    another organisation that looks like a protected one (``mail.com`` for ``mail.mil``), and
    nothing else; for ``check_recipient_access`` after the blocking map, or for
    ``typorisk policyd``'s answers. Setting ``warn_text`` (``{domain}``, ``{target}``)."""
    with_comments = options.get("comments", True) is not False
    for line in header_lines(options, "Postfix access map, WARN: look-alike outside domains"):
        out.write(f"# {line}\n")
    count = 0
    for e in entries(rows, options, held=True):
        if e.standing is None or e.standing.kind != "third-party":
            continue
        if with_comments:
            out.write(f"# {e.reason()}\n")
        out.write(_warn(options, e) + "\n")
        count += 1
    out.write(f"# {count} names\n")
    return count


def write_postfix_transport(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """transport(5) map: ``name error:5.7.1 text`` and ``.name ...``; stops locally submitted
    mail too (``sendmail``, webmail) which ``smtpd`` restrictions never see."""
    dsn = _dsn(options)

    def render(e: Entry) -> str:
        value = f"error:{dsn} {_message(options, e)}"
        return f"{e.domain} {value}\n.{e.domain} {value}"

    return write_blocklist(
        rows, out, options, render=render, comment="#", what="Postfix transport map, error:"
    )


def write_exim(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """Exim domain list file: ``name`` and ``*.name`` a line each, for
    ``domainlist typo_domains = FILE`` and ``deny domains = +typo_domains`` in the RCPT ACL."""
    return write_blocklist(
        rows,
        out,
        options,
        render=lambda e: f"{e.domain}\n*.{e.domain}",
        comment="#",
        what="Exim domainlist",
    )

"""One SMTP conversation with one mail server: the only network I/O of the probe.

Greeting → ``EHLO`` (``HELO`` if EHLO is not understood) → ``STARTTLS`` when the server offers
it (RFC 3207; then ``EHLO`` again, over TLS) → ``MAIL FROM:<>`` (or a configured neutral sender)
→ ``RCPT TO:<random@candidate>`` → ``QUIT``. Every reply is read completely (multi-line too)
before the next command. **DATA is never sent**: :func:`_send` refuses any command outside
:data:`ALLOWED`. Each read, and the TLS handshake, has its own timeout (seconds).

A server that offers STARTTLS and then answers it with an error is talked to in plain text
(``tls="failed"``), as RFC 3207 allows; a failed handshake ends the conversation (the
connection is unusable) with ``tls="failed"`` and the caller may reconnect without TLS.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ssl
from dataclasses import dataclass

from typorisk.probe.replies import (
    MAX_LINES,
    Reply,
    Verdict,
    classify_rcpt,
    classify_setup,
    is_last_line,
    parse_reply,
)

ALLOWED = frozenset({"EHLO", "HELO", "STARTTLS", "MAIL", "RCPT", "QUIT"})
"""The only commands the probe ever sends."""
LINE_LIMIT = 4096
"""Longest reply line accepted, in bytes (RFC 5321 allows 512)."""


@dataclass(frozen=True, slots=True)
class Conversation:
    """How one conversation ended."""

    verdict: Verdict
    reply: Reply | None
    """The reply that decided, when one did."""
    reason: str | None
    """Why, when no reply decided (``timeout at greeting``, ``connection refused``...)."""
    sent: tuple[str, ...]
    """Command verbs sent, in order (an audit trail; never contains DATA)."""
    tls: str = "none"
    """``starttls`` (the rest ran over TLS), ``none`` (not offered, or not asked) or
    ``failed`` (offered, but refused or the handshake failed)."""
    cert: bytes | None = None
    """The server's certificate (DER) when TLS was set up."""
    handshake_failed: bool = False
    """The TLS handshake failed: the connection was dropped before MAIL."""


class _Closed(Exception):
    """The server closed the connection or sent a malformed reply."""


async def _read_reply(reader: asyncio.StreamReader, timeout: float) -> Reply:
    lines: list[bytes] = []
    async with asyncio.timeout(timeout):
        while True:
            try:
                line = await reader.readline()
            except (ValueError, asyncio.LimitOverrunError) as exc:
                raise _Closed("reply line too long") from exc
            if not line:
                raise _Closed("connection closed")
            lines.append(line)
            if is_last_line(line) or len(lines) > MAX_LINES:
                break
    try:
        return parse_reply(lines)
    except ValueError as exc:
        raise _Closed(f"malformed reply: {exc}") from exc


async def _send(writer: asyncio.StreamWriter, verb: str, arg: str, sent: list[str]) -> None:
    if verb not in ALLOWED:
        raise AssertionError(f"the probe never sends {verb}")  # a bug, never data
    line = f"{verb} {arg}".rstrip() + "\r\n"
    writer.write(line.encode("ascii"))
    sent.append(verb)
    await writer.drain()


def offers_starttls(reply: Reply) -> bool:
    """True when an EHLO reply lists the STARTTLS extension."""
    return reply.code == 250 and any(
        line.split(" ")[0].upper() == "STARTTLS" for line in reply.lines[1:]
    )


@dataclass(slots=True)
class _State:
    sent: list[str]
    step: str = "greeting"
    tls: str = "none"
    cert: bytes | None = None

    def end(self, verdict: Verdict, reply: Reply | None, reason: str | None) -> Conversation:
        return Conversation(verdict, reply, reason, tuple(self.sent), self.tls, self.cert)


async def converse(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    *,
    helo: str,
    mail_from: str,
    rcpt: str,
    timeout: float,
    tls: ssl.SSLContext | None = None,
    server_name: str | None = None,
) -> Conversation:
    """Run the conversation on an open connection; ``timeout`` seconds per reply. With ``tls``,
    STARTTLS is used when offered (``server_name`` is sent as SNI)."""
    state = _State([])
    try:
        return await _talk(reader, writer, helo, mail_from, rcpt, timeout, tls, server_name, state)
    except TimeoutError:
        return state.end(Verdict.TIMEOUT, None, f"timeout at {state.step}")
    except _Closed as exc:
        verdict = Verdict.REFUSES if state.step == "greeting" else Verdict.UNKNOWN
        return state.end(verdict, None, f"{exc} at {state.step}")
    except (ConnectionError, OSError) as exc:
        return state.end(Verdict.UNKNOWN, None, f"{type(exc).__name__} at {state.step}")


async def _talk(  # noqa: PLR0917 - the conversation's parts
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    helo: str,
    mail_from: str,
    rcpt: str,
    timeout: float,
    tls: ssl.SSLContext | None,
    server_name: str | None,
    state: _State,
) -> Conversation:
    """The conversation proper (exceptions are :func:`converse`'s)."""
    reply = await _read_reply(reader, timeout)
    if (verdict := classify_setup(reply)) is not None:
        return await _quit(state.end(verdict, reply, None), reader, writer, state.sent)
    reply = await _hello(reader, writer, helo, timeout, state)
    if tls is not None and offers_starttls(reply):
        upgraded = await _starttls(reader, writer, tls, server_name, helo, timeout, state, reply)
        if upgraded is None:
            done = state.end(Verdict.UNKNOWN, None, state.step)
            return dataclasses.replace(done, handshake_failed=True)
        reply = upgraded
    for verb, arg in (("MAIL", f"FROM:<{mail_from}>"), ("RCPT", f"TO:<{rcpt}>")):
        if (verdict := classify_setup(reply)) is not None:
            return await _quit(state.end(verdict, reply, None), reader, writer, state.sent)
        state.step = verb
        await _send(writer, verb, arg, state.sent)
        reply = await _read_reply(reader, timeout)
    done = state.end(classify_rcpt(reply), reply, None)
    return await _quit(done, reader, writer, state.sent)


async def _starttls(  # noqa: PLR0917 - the conversation's parts
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    tls: ssl.SSLContext,
    server_name: str | None,
    helo: str,
    timeout: float,
    state: _State,
    ehlo: Reply,
) -> Reply | None:
    """STARTTLS, the handshake, EHLO again: the new EHLO reply (or, when the server refused
    STARTTLS, ``ehlo`` again: go on in plain text, RFC 3207 §4.1); ``None`` when the handshake
    failed (``state.step`` then holds the reason)."""
    state.step = "STARTTLS"
    await _send(writer, "STARTTLS", "", state.sent)
    answer = await _read_reply(reader, timeout)
    if answer.code != 220:
        state.tls = "failed"
        return ehlo
    try:
        await writer.start_tls(tls, server_hostname=server_name, ssl_handshake_timeout=timeout)
    except (ssl.SSLError, OSError, TimeoutError) as exc:
        state.tls = "failed"
        state.step = f"TLS handshake failed: {exc}"[:200]
        return None
    state.tls = "starttls"
    ssl_object = writer.get_extra_info("ssl_object")
    state.cert = ssl_object.getpeercert(binary_form=True) if ssl_object else None
    return await _hello(reader, writer, helo, timeout, state)


async def _hello(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    helo: str,
    timeout: float,
    state: _State,
) -> Reply:
    """EHLO, and HELO when EHLO is not understood (an RFC 821 server); the last reply."""
    state.step = "EHLO"
    await _send(writer, "EHLO", helo, state.sent)
    reply = await _read_reply(reader, timeout)
    if reply.code in (500, 502):
        state.step = "HELO"
        await _send(writer, "HELO", helo, state.sent)
        reply = await _read_reply(reader, timeout)
    return reply


async def _quit(
    done: Conversation,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    sent: list[str],
) -> Conversation:
    """Say QUIT and read its reply briefly; the verdict is already decided."""
    try:
        await _send(writer, "QUIT", "", sent)
        await _read_reply(reader, 2.0)
    except (TimeoutError, _Closed, ConnectionError, OSError):
        pass  # the server may hang up first: the verdict stands
    return dataclasses.replace(done, sent=tuple(sent))

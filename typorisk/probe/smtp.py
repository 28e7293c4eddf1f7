"""One SMTP conversation with one mail server: the only network I/O of the probe.

Greeting → ``EHLO`` (``HELO`` if EHLO is not understood) → ``MAIL FROM:<>`` (or a configured
neutral sender) → ``RCPT TO:<random@candidate>`` → ``QUIT``. Every reply is read completely
(multi-line too) before the next command. **DATA is never sent**: :func:`_send` refuses any
command outside :data:`ALLOWED`. Each read has its own timeout (seconds).
"""

from __future__ import annotations

import asyncio
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

ALLOWED = frozenset({"EHLO", "HELO", "MAIL", "RCPT", "QUIT"})
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


async def converse(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    *,
    helo: str,
    mail_from: str,
    rcpt: str,
    timeout: float,
) -> Conversation:
    """Run the conversation on an open connection; ``timeout`` seconds per reply."""
    sent: list[str] = []
    step = "greeting"
    try:
        reply = await _read_reply(reader, timeout)
        if (verdict := classify_setup(reply)) is not None:
            return await _quit(Conversation(verdict, reply, None, ()), reader, writer, sent)
        step = "EHLO"
        await _send(writer, "EHLO", helo, sent)
        reply = await _read_reply(reader, timeout)
        if reply.code in (500, 502):  # EHLO not understood: an RFC 821 server
            step = "HELO"
            await _send(writer, "HELO", helo, sent)
            reply = await _read_reply(reader, timeout)
        for verb, arg in (("MAIL", f"FROM:<{mail_from}>"), ("RCPT", f"TO:<{rcpt}>")):
            if (verdict := classify_setup(reply)) is not None:
                return await _quit(Conversation(verdict, reply, None, ()), reader, writer, sent)
            step = verb
            await _send(writer, verb, arg, sent)
            reply = await _read_reply(reader, timeout)
        done = Conversation(classify_rcpt(reply), reply, None, tuple(sent))
        return await _quit(done, reader, writer, sent)
    except TimeoutError:
        return Conversation(Verdict.TIMEOUT, None, f"timeout at {step}", tuple(sent))
    except _Closed as exc:
        verdict = Verdict.REFUSES if step == "greeting" else Verdict.UNKNOWN
        return Conversation(verdict, None, f"{exc} at {step}", tuple(sent))
    except (ConnectionError, OSError) as exc:
        return Conversation(Verdict.UNKNOWN, None, f"{type(exc).__name__} at {step}", tuple(sent))


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
    return Conversation(done.verdict, done.reply, done.reason, tuple(sent))

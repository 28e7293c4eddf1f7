"""Probe many candidates' mail servers: MX order, per-host rate limit, global concurrency.

Active probing: it opens SMTP connections to servers a third party runs. Off unless asked
(``--probe-smtp``). Per candidate: the best MX (lowest preference) first, the next one only when
the first gave no SMTP answer (refused, timed out, 4xx greeting); at most ``max_hosts`` hosts.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from typorisk.errors import ProbeConfigError
from typorisk.kit.rate import ServerBuckets
from typorisk.probe.replies import Verdict
from typorisk.probe.smtp import Conversation, converse

RETRY_NEXT_HOST = (Verdict.REFUSES, Verdict.TIMEOUT, Verdict.TEMPFAIL, Verdict.UNKNOWN)
"""Verdicts after which the next MX is tried: the first host did not converse usefully."""


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """The SMTP behaviour of one candidate's mail service."""

    domain: str
    verdict: Verdict
    server: str | None = None
    """``host:port`` that gave the verdict (the last one tried)."""
    code: int | None = None
    """Code of the deciding reply (e.g. 250 or 550), when a reply decided."""
    reply: str | None = None
    """Text of the deciding reply (cleaned, at most 200 characters), or the reason."""
    sent: tuple[str, ...] = ()
    """Commands sent to the deciding server (never DATA)."""


def check_sender(mail_from: str, protected: Iterable[str]) -> None:
    """Refuse a ``MAIL FROM`` at a protected domain (or malformed). ``""`` is the null sender.

    Raises :class:`ProbeConfigError` saying what to use instead.
    """
    if not mail_from:
        return
    local, at, domain = mail_from.rpartition("@")
    domain = domain.lower().rstrip(".")
    if not at or not local or not domain or any(c in mail_from for c in "<> \r\n"):
        raise ProbeConfigError(
            f"--smtp-from {mail_from!r} is not a plain address; use local@domain, or omit it "
            "for the null sender <>"
        )
    for name in protected:
        if domain == name or domain.endswith("." + name):
            raise ProbeConfigError(
                f"--smtp-from {mail_from!r} is at the protected domain {name}: probes must never "
                "use it (a typo domain would see it); use a neutral address or the null sender"
            )


class Prober:
    """Probes mail servers politely. ``timeout`` is seconds per reply (and for connecting);
    ``rate`` is probes/s per MX host; ``concurrency`` caps conversations in flight."""

    def __init__(
        self,
        *,
        helo: str,
        mail_from: str = "",
        port: int = 25,
        timeout: float = 15.0,
        rate: float | None = 1.0,
        concurrency: int = 8,
        max_hosts: int = 2,
    ) -> None:
        if not helo or any(c in helo for c in " <>\r\n"):
            raise ProbeConfigError(f"--smtp-helo {helo!r}: give this host's DNS name")
        self.helo = helo
        self.mail_from = mail_from
        self.port = port
        self.timeout = timeout
        self.buckets = ServerBuckets(rate)
        self.concurrency = max(1, concurrency)
        self.max_hosts = max(1, max_hosts)

    async def probe(self, domain: str, hosts: Sequence[str]) -> ProbeResult:
        """Probe ``domain`` via its mail hosts (MX order; the domain itself for implicit MX)."""
        usable = [h.rstrip(".") for h in hosts if h and h != "."][: self.max_hosts]
        if not usable:
            return ProbeResult(domain, Verdict.UNKNOWN, reply="no mail host to ask")
        result = ProbeResult(domain, Verdict.UNKNOWN)
        for host in usable:
            result = await self._probe_host(domain, host)
            if result.verdict not in RETRY_NEXT_HOST:
                break
        return result

    async def _probe_host(self, domain: str, host: str) -> ProbeResult:
        await self.buckets[host].acquire()
        server = f"{host}:{self.port}"
        rcpt = f"{secrets.token_hex(10)}@{domain}"  # 80 random bits: no real mailbox has it
        try:
            async with asyncio.timeout(self.timeout):
                reader, writer = await asyncio.open_connection(host, self.port, limit=4096)
        except TimeoutError:
            return ProbeResult(domain, Verdict.TIMEOUT, server, reply="timeout at connect")
        except OSError as exc:
            why = "connection refused" if isinstance(exc, ConnectionRefusedError) else str(exc)
            return ProbeResult(domain, Verdict.REFUSES, server, reply=why[:200])
        try:
            talk = await converse(
                reader,
                writer,
                helo=self.helo,
                mail_from=self.mail_from,
                rcpt=rcpt,
                timeout=self.timeout,
            )
        finally:
            writer.close()
        return _result(domain, server, talk)

    async def probe_many(
        self, items: Iterable[tuple[str, Sequence[str]]]
    ) -> dict[str, ProbeResult]:
        """Every (domain, mail hosts) → its result; at most ``concurrency`` in flight."""
        results: dict[str, ProbeResult] = {}
        gate = asyncio.Semaphore(self.concurrency)

        async def one(domain: str, hosts: Sequence[str]) -> None:
            async with gate:
                results[domain] = await self.probe(domain, hosts)

        async with asyncio.TaskGroup() as group:
            for domain, hosts in dict(items).items():
                group.create_task(one(domain, hosts))
        return results


def _result(domain: str, server: str, talk: Conversation) -> ProbeResult:
    reply = talk.reply
    if reply is None:
        return ProbeResult(domain, talk.verdict, server, None, talk.reason, talk.sent)
    text = f"{reply.code} {reply.text}".strip()[:200]
    return ProbeResult(domain, talk.verdict, server, reply.code, text, talk.sent)


SMTP_COLUMNS = ("smtp", "smtp_server", "smtp_code", "smtp_reply")
"""Row columns added by :func:`probe_row`."""


def probe_row(result: ProbeResult) -> dict[str, object]:
    """The row cells of a probe result."""
    return {
        "smtp": result.verdict.value,
        "smtp_server": result.server,
        "smtp_code": result.code,
        "smtp_reply": result.reply,
    }

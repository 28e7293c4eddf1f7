"""Probe many candidates' mail servers: MX order, per-host rate limit, global concurrency.

Active probing: it opens SMTP connections to servers a third party runs. Off unless asked
(``--probe-smtp``). Per candidate: the best MX (lowest preference) first, the next one only when
the first gave no SMTP answer (refused, timed out, 4xx greeting); at most ``max_hosts`` hosts.

MX host names are turned into addresses by the injected ``resolve`` (the scan passes its own
DNS client, so the probe asks the same servers as the scan, ``--nameserver``); without one, the
operating system's resolver is used. The addresses are looked up once and filtered by the
outbound address ``policy`` (:class:`~typorisk.kit.outbound.AddressPolicy`; default public
only), and the connection goes to a numeric address that passed: an MX (or an implicit-MX
domain) pointing at 127.0.0.1, 10.0.0.5 or 169.254.169.254 is never contacted, and its result is
``unknown`` with the policy's reason (``refused: private address 10.0.0.5 (RFC 1918 private)``);
the next MX is then tried. STARTTLS is used when offered (``starttls=True``); a
failed handshake is retried once on a new connection without TLS, so the verdict is still
measured, and the row says ``smtp_tls=failed``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import ipaddress
import secrets
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from typorisk.errors import ProbeConfigError
from typorisk.kit.outbound import PUBLIC_ONLY, AddressPolicy, AddressRefused, resolve_permitted
from typorisk.kit.rate import ServerBuckets
from typorisk.probe.replies import Verdict
from typorisk.probe.smtp import Conversation, converse
from typorisk.probe.tls import CertFacts, certificate_facts, client_context

Resolve = Callable[[str], Awaitable[Sequence[str]]]
Connect = Callable[[str, int], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]
"""Opens a stream to (numeric address, port): the prober's transport."""


async def open_stream(address: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP stream to ``address``:``port`` (the default :data:`Connect`)."""
    return await asyncio.open_connection(address, port, limit=4096)


"""Host name → its addresses (IPv4 and IPv6 text); empty when it has none."""

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
    tls: str | None = None
    """``starttls``, ``none`` or ``failed`` (see :class:`~typorisk.probe.smtp.Conversation`);
    ``None`` when no SMTP conversation took place."""
    cert: CertFacts | None = None
    """The server certificate's facts, when TLS was set up."""


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
    ``rate`` is probes/s per MX host; ``concurrency`` caps conversations in flight; ``policy``
    is the outbound address policy every connection obeys (checked before ``connect``, the
    transport, is asked: a TCP stream by default; tests and embedders give their own)."""

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
        starttls: bool = True,
        resolve: Resolve | None = None,
        policy: AddressPolicy = PUBLIC_ONLY,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        connect: Connect = open_stream,
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
        self.tls: ssl.SSLContext | None = client_context() if starttls else None
        self.resolve = resolve
        self.policy = policy
        self.clock = clock
        self.connect = connect

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
                address = await self._address(host)
        except TimeoutError:
            return ProbeResult(domain, Verdict.TIMEOUT, server, reply="timeout looking up the host")
        except AddressRefused as exc:
            return ProbeResult(domain, Verdict.UNKNOWN, server, reply=str(exc)[:200])
        except OSError:
            address = None
        if address is None:
            return ProbeResult(domain, Verdict.UNKNOWN, server, reply="MX host has no address")
        talk = await self._talk(address, host, rcpt, self.tls)
        if isinstance(talk, Conversation) and talk.handshake_failed:
            plain = await self._talk(address, host, rcpt, None)  # the verdict, without TLS
            if isinstance(plain, Conversation):
                talk = dataclasses.replace(plain, tls="failed")
        if isinstance(talk, ProbeResult):
            return dataclasses.replace(talk, domain=domain, server=server)
        return self._result(domain, server, talk)

    async def _address(self, host: str) -> str | None:
        """The first address of ``host`` the policy allows (looked up once), or None when it
        has none. Raises :class:`AddressRefused` when it has some but none is allowed."""
        if self.resolve is not None and not _is_address(host):
            addresses = list(await self.resolve(host))
            kept = self.policy.permitted(addresses)
        else:
            kept = [a for _fam, a in await resolve_permitted(host, self.port, self.policy)]
        return kept[0] if kept else None

    async def _talk(
        self, address: str, host: str, rcpt: str, tls: ssl.SSLContext | None
    ) -> Conversation | ProbeResult:
        """One connection to the numeric ``address`` and its conversation; a
        :class:`ProbeResult` when it did not connect."""
        try:
            async with asyncio.timeout(self.timeout):
                reader, writer = await self.connect(address, self.port)
        except TimeoutError:
            return ProbeResult("", Verdict.TIMEOUT, reply="timeout at connect")
        except OSError as exc:
            why = "connection refused" if isinstance(exc, ConnectionRefusedError) else str(exc)
            return ProbeResult("", Verdict.REFUSES, reply=why[:200])
        try:
            return await converse(
                reader,
                writer,
                helo=self.helo,
                mail_from=self.mail_from,
                rcpt=rcpt,
                timeout=self.timeout,
                tls=tls,
                server_name=host if not _is_address(host) else None,
            )
        finally:
            writer.close()

    def _result(self, domain: str, server: str, talk: Conversation) -> ProbeResult:
        cert = None
        if talk.cert is not None:
            try:
                cert = certificate_facts(talk.cert, self.clock())
            except ValueError:
                cert = CertFacts(None, (), None)
        reply = talk.reply
        if reply is None:
            text, code = talk.reason, None
        else:
            text, code = f"{reply.code} {reply.text}".strip()[:200], reply.code
        return ProbeResult(domain, talk.verdict, server, code, text, talk.sent, talk.tls, cert)

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


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True

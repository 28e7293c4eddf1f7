"""The resolve scanner: many names concurrently, cheapest question first, results as they arrive.

Per name (recursive mode) the first and usually only query is ``NS`` of the name: NXDOMAIN settles
it from the header alone (one query, no parse). A NOERROR means the name exists: then A, AAAA, MX,
TXT (SPF) and ``_dmarc`` TXT are fetched concurrently, and the name's parent zone and suffix are
probed once each for a wildcard. Authoritative mode (:mod:`typorisk.resolve.authoritative`) asks
the suffix's own servers with RD=0 instead.

Structured concurrency: one :class:`asyncio.TaskGroup` holds the driver's tasks
(:mod:`typorisk.resolve.pump`) and the shared probes;
leaving :meth:`ResolveScan.run` (exhausted, closed, cancelled) ends every task it started.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
)
from dataclasses import dataclass
from typing import TypeVar

import dns.rdatatype

from typorisk.model import Candidate
from typorisk.resolve import authoritative, classify, wire
from typorisk.resolve.client import DnsClient
from typorisk.resolve.lean import Record
from typorisk.resolve.names import Item, zones_of
from typorisk.resolve.pump import Pump
from typorisk.resolve.question import Question
from typorisk.resolve.records import (
    Mail,
    Outcome,
    Records,
    Registration,
    Resolution,
    ResolveStats,
    ZoneServers,
)
from typorisk.resolve.transport import NameServer, Reply
from typorisk.resolve.wildcard import SAMPLES, OnceCache, ZoneWildcard, random_label

T = TypeVar("T", str, Candidate)

NS = dns.rdatatype.NS
_RECORD_TYPES = (dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.MX, dns.rdatatype.TXT)
_DONE = object()
OUT_HIGH = 4096
"""Results waiting for the consumer at which the driver stops taking new names (it goes on
once the consumer has taken half of them): memory stays bounded when the consumer is slower."""


class ResolveScan:
    """One resolve run over a stream of names, with its caches and statistics.

    Args:
        client: the DNS client (its servers are the recursive resolvers).
        concurrency: names in flight at once (≥ 1).
        budget: total seconds for the run; names not settled by then come out ``unknown``
            with outcome ``budget`` (none is dropped). ``None``: no limit.
        authoritative: ask each suffix's own servers with RD=0 (see ``authoritative`` module).
        authoritative_port: port of those servers (53; other values are for local tests).
        wildcards: probe zones for wildcards (on by default).
    """

    def __init__(
        self,
        client: DnsClient,
        *,
        concurrency: int = 256,
        budget: float | None = None,
        authoritative: bool = False,
        authoritative_port: int = 53,
        wildcards: bool = True,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.client = client
        self.concurrency = concurrency
        self.budget = budget
        self.authoritative = authoritative
        self.authoritative_port = authoritative_port
        self.check_wildcards = wildcards
        self._deadline: float | None = None
        self._started = 0.0
        self._elapsed: float | None = None
        self._names = 0
        self._registrations: Counter[str] = Counter()
        self._probes: OnceCache[tuple[str, tuple[NameServer, ...] | None], ZoneWildcard] | None
        self._probes = None
        self._zone_servers: OnceCache[str, ZoneServers] | None = None
        self._room = asyncio.Event()
        """Set while the results waiting for the consumer are fewer than :data:`OUT_HIGH`."""
        self._on_room: Callable[[], None] | None = None
        """Called when :attr:`room` is set again (the pump then starts names again)."""

    # -- public ---------------------------------------------------------------------------------

    async def run(
        self, items: Iterable[T] | AsyncIterable[T]
    ) -> AsyncGenerator[tuple[T, Resolution], None]:
        """Resolve every item, yielding ``(item, resolution)`` in completion order.

        ``items`` may be asynchronous (names arriving over a pipe, :mod:`~typorisk.resolve.shards`):
        the driver then waits for the next one instead of ending when none is ready."""
        loop = asyncio.get_running_loop()
        self._started = loop.time()
        self._elapsed = None
        self._deadline = None if self.budget is None else self._started + self.budget
        # Unbounded, so the sentinel always fits; the driver pauses at OUT_HIGH results waiting
        # (hand_out), so what waits is bounded by OUT_HIGH + concurrency, whatever the input's size.
        out: asyncio.Queue[object] = asyncio.Queue()
        self._room = asyncio.Event()  # this run's loop's
        self._room.set()
        runner = asyncio.ensure_future(self._drive(items, out))
        try:
            while (entry := await out.get()) is not _DONE:
                if not self._room.is_set() and out.qsize() <= OUT_HIGH // 2:
                    self._room.set()
                    if self._on_room is not None:
                        self._on_room()
                yield entry  # type: ignore[misc]
            await runner  # re-raises a bug from the driver or a task
        finally:
            if not runner.done():
                runner.cancel()
                await asyncio.wait([runner])
            self._elapsed = loop.time() - self._started

    async def _drive(
        self, items: Iterable[T] | AsyncIterable[T], out: asyncio.Queue[object]
    ) -> None:
        """Run the driver (:class:`~typorisk.resolve.pump.Pump`) and the shared probes in one
        task group; always ends with ``_DONE``.

        The task group lives in this task, not in the generator: a consumer closing the generator
        early cancels this task, which ends every task and probe before ``run`` returns.
        """
        try:
            async with asyncio.TaskGroup() as group:
                self._probes = OnceCache(group, self._probe)
                self._zone_servers = OnceCache(group, self._discover)
                if self.fast:
                    await self.client.connect()
                pump = Pump(self, out, group)
                self._on_room = pump.fill
                try:
                    if isinstance(items, AsyncIterable):
                        group.create_task(pump.feed(items))
                    else:
                        pump.read(iter(items))
                    pump.fill()
                    await pump.done
                finally:
                    self._on_room = None
                    pump.close()
                self._probes.cancel_pending()
                self._zone_servers.cancel_pending()
        finally:
            out.put_nowait(_DONE)

    def stats(self) -> ResolveStats:
        """Totals so far (final once :meth:`run` has finished)."""
        elapsed = self._elapsed
        if elapsed is None:
            elapsed = time.monotonic() - self._started if self._started else 0.0
        zones = tuple(
            sorted(
                p.zone for p in (self._probes.done_values() if self._probes else []) if p.wildcarded
            )
        )
        counts = self.client.stats()
        return ResolveStats(
            names=self._names,
            queries=counts.sent,
            rcodes=counts.rcodes,
            timeouts=counts.timeouts,
            retries=counts.retried,
            tcp=counts.tcp,
            mismatched=self.client.mismatched,
            registrations=dict(self._registrations),
            wildcard_zones=tuple(dict.fromkeys(zones)),
            elapsed=elapsed,
            servers=self.client.server_stats(),
            malformed=counts.malformed,
        )

    # -- the driver's calls (typorisk.resolve.protocol.Engine) ----------------------------------

    @property
    def fast(self) -> bool:
        """Names start by callback: recursive mode without a budget."""
        return self._deadline is None and not self.authoritative

    def hand_out(self, source: object, result: Resolution, out: asyncio.Queue[object]) -> None:
        """Count ``result`` and queue it with its input ``source`` for the consumer; at OUT_HIGH
        results waiting, clear :attr:`room` (no new name is started until the consumer has
        taken half of them)."""
        self._names += 1
        self._registrations[result.registration.value] += 1
        out.put_nowait((source, result))
        if out.qsize() >= OUT_HIGH:
            self._room.clear()

    @property
    def room(self) -> asyncio.Event:
        """Set while fewer than :data:`OUT_HIGH` results wait for the consumer."""
        return self._room

    def at_once(self, item: Item[object]) -> Resolution | None:
        """The result of ``item`` when no query is to be made: a name that cannot be asked
        (``error``) or the budget spent (``budget``); else ``None``."""
        name = item.name
        if name is None:
            return Resolution(item.text, Registration.UNKNOWN, Outcome.ERROR, Mail.UNKNOWN)
        deadline = self._deadline
        if deadline is not None and asyncio.get_running_loop().time() >= deadline:
            return _budget(name)
        return None

    async def settle(self, item: Item[object]) -> Resolution:
        """Settle ``item`` (a name that can be asked) on the coroutine path, within the
        budget: the suffix's servers in authoritative mode, else the resolver."""
        name = item.name
        assert name is not None  # at_once settled the others
        if self._deadline is None:
            return await self._dispatch(item, name)
        try:
            async with asyncio.timeout_at(self._deadline):
                return await self._dispatch(item, name)
        except TimeoutError:
            return _budget(name)

    async def _dispatch(self, item: Item[object], name: str) -> Resolution:
        if self.authoritative:
            return await authoritative.resolve_authoritative(self, item, name)
        return await self.recursive(item, name)

    # -- recursive mode -------------------------------------------------------------------------

    async def recursive(
        self,
        item: Item[object],
        name: str,
        question: Question | None = None,
    ) -> Resolution:
        """Settle ``name`` by its NS question; ``question``: that question, already tried by the
        pump."""
        if question is None:
            question = self.client.question(name, NS)
        reply, sent = await self.client.run(question)
        decided = self.decide(name, reply, sent)
        if isinstance(decided, Resolution):
            return decided
        return await self.existing(item, name, decided, first=reply, sent=sent)

    def decide(self, name: str, reply: Reply | None, sent: int) -> Resolution | Outcome:
        """What the NS question's final ``reply`` (after ``sent`` queries) settles: the name's
        resolution (NXDOMAIN, or unknown), or the outcome of a name that exists (then its
        records are fetched: :meth:`existing`)."""
        outcome = classify.outcome_of_reply(reply, name)
        if outcome is Outcome.NXDOMAIN:
            return Resolution(
                name, outcome.registration, outcome, Mail.NONE, zone_wildcard=False, queries=sent
            )
        if reply is None or outcome.registration is Registration.UNKNOWN:
            return Resolution(name, Registration.UNKNOWN, outcome, Mail.UNKNOWN, queries=sent)
        return outcome

    async def existing(
        self,
        item: Item[object],
        name: str,
        outcome: Outcome,
        *,
        first: Reply | None,
        sent: int,
        ns: tuple[str, ...] = (),
        probe_servers: tuple[NameServer, ...] | None = None,
        lame: bool = False,
    ) -> Resolution:
        """Records, mail and wildcard status of a name known to exist (decided by ``outcome``).

        The name becomes unknown when a zone's wildcard explains its records (``wildcard``), when
        a zone's probe failed (``probe-failed``), or when it lies in a wildcarded zone and one of
        its own NS/A/AAAA/MX lookups failed (that lookup's outcome): in each case DNS cannot tell
        a real name from the wildcard. A referral is a delegation, which no wildcard makes.
        """
        zones = zones_of(item, name) if self.check_wildcards else ()
        assert self._probes is not None
        keys = [(zone, probe_servers) for zone in zones]
        for key in keys:  # the probes run while the records are fetched
            self._probes.start(key)
        fetched = await self.fetch_records(name, first, ns=ns)
        records = fetched.records
        found = [await self._probes.get(key) for key in keys]
        states = [p.wildcarded for p in found]
        zone_wildcard = (
            True if True in states else (None if None in states or not states else False)
        )
        if outcome is not Outcome.REFERRAL:
            outcome = _wildcard_verdict(outcome, found, fetched)
        wildcard = outcome is Outcome.WILDCARD
        if outcome.registration is Registration.UNKNOWN:
            mail = Mail.UNKNOWN
        else:
            mail = classify.mail_of(
                records.mx,
                records.a,
                records.aaaa,
                mx_known=fetched.mx_known,
                addresses_known=fetched.addresses_known,
            )
        return Resolution(
            name,
            outcome.registration,
            outcome,
            mail,
            records,
            wildcard=wildcard,
            zone_wildcard=zone_wildcard,
            lame=lame,
            queries=sent + fetched.queries,
            authoritative=self.authoritative,
        )

    async def fetch_records(
        self, name: str, first: Reply | None, *, ns: tuple[str, ...] = ()
    ) -> Fetched:
        """The records of an existing ``name``, via the resolver, and how far they are known.

        ``first`` is the NS reply already in hand (recursive mode); without it NS is asked too
        unless ``ns`` is given (authoritative mode knows them from the referral).
        """
        client = self.client
        name_wire = wire.encode_name(name)
        questions = [client.question(name, qtype, name_wire=name_wire) for qtype in _RECORD_TYPES]
        questions.append(client.question(f"_dmarc.{name}", dns.rdatatype.TXT))
        ask_ns = first is None and not ns
        if ask_ns:
            questions.append(client.question(name, NS, name_wire=name_wire))
        replies = await client.ask(questions)
        queries = sum(sent for _, sent in replies)
        outcomes = [classify.outcome_of_reply(reply, name) for reply, _ in replies[:3]]
        if ask_ns:
            first = replies.pop()[0]
            outcomes.append(classify.outcome_of_reply(first, name))
        msgs = [_parsed(reply) for reply, _ in replies]
        a_msg, aaaa_msg, mx_msg, txt_msg, dmarc_msg = msgs
        cname = None
        ns_msg = _parsed(first)
        if ns_msg is not None:
            ns = ns or classify.hosts(ns_msg, name)
            cname = classify.answer(ns_msg, name, NS)[1]
        a = classify.addresses(a_msg, name, dns.rdatatype.A) if a_msg else ()
        if a_msg is not None and cname is None:
            cname = classify.answer(a_msg, name, dns.rdatatype.A)[1]
        records = Records(
            ns=ns,
            a=a,
            aaaa=classify.addresses(aaaa_msg, name, dns.rdatatype.AAAA) if aaaa_msg else (),
            mx=classify.mx_hosts(mx_msg, name) if mx_msg else (),
            cname=cname,
            spf=bool(txt_msg and classify.has_txt(txt_msg, name, "v=spf1")),
            dmarc=bool(dmarc_msg and classify.has_txt(dmarc_msg, f"_dmarc.{name}", "v=DMARC1")),
        )
        failure = next((o for o in outcomes if o.registration is Registration.UNKNOWN), None)
        return Fetched(
            records,
            queries,
            failure,
            mx_known=outcomes[2].registration is not Registration.UNKNOWN,
            addresses_known=all(o.registration is not Registration.UNKNOWN for o in outcomes[:2]),
        )

    # -- shared probes --------------------------------------------------------------------------

    async def probe_zone(self, zone: str, servers: tuple[NameServer, ...] | None) -> ZoneWildcard:
        """The wildcard status of ``zone`` (asked once per run and server set)."""
        assert self._probes is not None
        return await self._probes.get((zone, servers))

    async def _probe(self, key: tuple[str, tuple[NameServer, ...] | None]) -> ZoneWildcard:
        """Probe ``zone`` with random labels (rule in :mod:`typorisk.resolve.wildcard`)."""
        zone, servers = key
        if not zone:
            return ZoneWildcard(zone, False)
        state, sample, queries = await self._sample(zone, servers)
        if state is not True or sample is None:
            return ZoneWildcard(zone, state, queries=queries)
        async with asyncio.TaskGroup() as group:
            more = [group.create_task(self._sample(zone, servers)) for _ in range(SAMPLES - 1)]
        results = [task.result() for task in more]
        queries += sum(count for _, _, count in results)
        samples = [sample, *(s for _, s, _ in results if s is not None)]
        if any(state is not True for state, _, _ in results):
            return ZoneWildcard(zone, None, queries=queries)
        return ZoneWildcard(zone, True, tuple(samples), queries=queries)

    async def _sample(
        self, zone: str, servers: tuple[NameServer, ...] | None
    ) -> tuple[bool | None, Records | None, int]:
        """Ask one random label under ``zone``: (exists, or None if that could not be told;
        its records when it exists and every lookup answered; queries sent)."""
        probe = f"{random_label()}.{zone}"
        reply, sent = await self.client.query(probe, NS, rd=servers is None, servers=servers)
        outcome = classify.outcome_of_reply(reply, probe)
        if outcome is Outcome.NXDOMAIN:
            return False, None, sent
        if reply is None or outcome.registration is Registration.UNKNOWN:
            return None, None, sent
        fetched = await self.fetch_records(probe, reply if servers is None else None)
        if fetched.failure is not None:
            return None, None, sent + fetched.queries
        return True, fetched.records, sent + fetched.queries

    async def zone_servers(self, suffix: str) -> ZoneServers:
        """Authoritative mode: the suffix's zone and servers, discovered once per run."""
        assert self._zone_servers is not None
        return await self._zone_servers.get(suffix)

    async def _discover(self, suffix: str) -> ZoneServers:
        return await authoritative.discover(self.client, suffix, port=self.authoritative_port)


@dataclass(frozen=True, slots=True)
class Fetched:
    """The records of an existing name, and which of its lookups answered."""

    records: Records
    queries: int
    """Queries sent for them, retries included."""
    failure: Outcome | None
    """The first failed NS/A/AAAA/MX lookup's outcome (timeout, servfail, malformed...), or
    ``None`` when each got an answer, NODATA or NXDOMAIN (TXT lookups do not count)."""
    mx_known: bool
    """The MX lookup answered (an empty ``records.mx`` then means no MX)."""
    addresses_known: bool
    """The A and AAAA lookups answered (empty addresses then mean none)."""


def _wildcard_verdict(outcome: Outcome, found: list[ZoneWildcard], fetched: Fetched) -> Outcome:
    """The outcome of an existing name once its zones' wildcard probes are in (see ``existing``)."""
    if any(zone.explains(fetched.records) for zone in found):
        return Outcome.WILDCARD
    if any(zone.wildcarded is None for zone in found):
        return Outcome.PROBE_FAILED
    if fetched.failure is not None and any(zone.wildcarded for zone in found):
        return fetched.failure
    return outcome


def _parsed(reply: Reply | None) -> tuple[Record, ...] | None:
    """The answer records of a well-formed reply with answers (NOERROR, or NXDOMAIN with a CNAME
    chain), or ``None`` (nothing to read). The client already read them: this costs nothing."""
    if (
        reply is None
        or reply.malformed
        or not reply.header.ancount
        or reply.rcode not in (wire.RCODE_NOERROR, wire.RCODE_NXDOMAIN)
    ):
        return None
    return reply.records()


def _budget(name: str) -> Resolution:
    return Resolution(name, Registration.UNKNOWN, Outcome.BUDGET, Mail.UNKNOWN)


async def resolve(
    names: Iterable[T], *, client: DnsClient, **options: object
) -> AsyncIterator[tuple[T, Resolution]]:
    """Resolve ``names`` (strings or :class:`Candidate`) with ``client``; yields as they complete.

    ``options`` are :class:`ResolveScan`'s keyword arguments. For statistics, use
    :class:`ResolveScan` directly and call :meth:`ResolveScan.stats` afterwards.
    """
    scan = ResolveScan(client, **options)  # type: ignore[arg-type]
    async for entry in scan.run(names):
        yield entry

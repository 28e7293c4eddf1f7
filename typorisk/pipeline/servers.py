"""The scan's name servers: the client built from the options, the check made before a run, and
what the statistics say about them after it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from typorisk.errors import ResolverConfigError, ResolverUnreachableError
from typorisk.model import Target
from typorisk.pipeline.options import ScanOptions
from typorisk.resolve import DnsClient, NameServer, ResolveStats, check_servers

if TYPE_CHECKING:
    from typorisk.resolve.shards import ShardPool
    from typorisk.resolve.spec import ResolveSpec

ClientFactory = Callable[[], DnsClient]
STOPPED_SHARE = 0.5
"""A server that timed out on more than this share of its queries "stopped answering"."""


def system_nameservers() -> list[NameServer]:
    """The system's resolvers (``/etc/resolv.conf``), read only when no server is given."""
    import dns.resolver  # noqa: PLC0415 - only a scan without --nameserver reads resolv.conf

    try:
        system = dns.resolver.Resolver()
    except dns.resolver.NoResolverConfiguration as exc:
        raise ResolverConfigError(
            "no system resolver configured: give --nameserver HOST[:PORT]"
        ) from exc
    return [NameServer.parse(str(s), system.port) for s in system.nameservers]


def servers_of(options: ScanOptions) -> list[NameServer]:
    """The resolvers the options name, or the system's."""
    return [NameServer.parse(text) for text in options.nameservers] or system_nameservers()


@dataclasses.dataclass(frozen=True, slots=True)
class ServersClient:
    """Builds a DNS client for the name servers of the options (the default ``dns`` client of
    :class:`~typorisk.pipeline.clients.Clients`); resolver processes and Dask workers build
    theirs from the same options, so a scan with this client may run on them."""

    servers: tuple[NameServer, ...]
    timeout: float
    retries: int
    rate: float | None

    def __call__(self) -> DnsClient:
        return DnsClient(self.servers, timeout=self.timeout, retries=self.retries, rate=self.rate)


def client_factory(options: ScanOptions) -> ServersClient:
    """Validate the DNS options now (errors before any output); the client is built in the
    scan's event loop."""
    make = ServersClient(
        tuple(servers_of(options)), options.timeout, options.retries, options.rate or None
    )
    make()  # raises ResolverConfigError for an unusable value
    return make


def shard_pool(options: ScanOptions) -> ShardPool | None:
    """The resolver processes ``options`` ask for (``processes``; 0: one per core), started
    now, or ``None`` for this process alone (one process, or another executor)."""
    from typorisk.resolve.cores import auto_processes  # noqa: PLC0415

    count = options.processes or auto_processes()
    if options.executor != "local" or count < 2:
        return None
    from typorisk.resolve.shards import ShardPool  # noqa: PLC0415

    return ShardPool(resolve_spec(options), count)


def resolve_spec(
    options: ScanOptions, *, batches: bool = False, servers: bool = True
) -> ResolveSpec:
    """The resolve stage's settings in ``options``, as the picklable spec that resolver
    processes and Dask batches build their client and engine from, and that builds the
    engine of a run in this process (:meth:`ResolveSpec.scan`). ``batches``: for Dask
    batches, which take neither the run's budget nor authoritative mode (the engine's
    defaults stay). ``servers``: False when the client is made already (its servers are not
    looked up again, nor the system's resolvers read)."""
    from typorisk.resolve.spec import ResolveSpec  # noqa: PLC0415

    spec = ResolveSpec(
        servers=tuple((s.host, s.port) for s in servers_of(options)) if servers else (),
        timeout=options.timeout,
        retries=options.retries,
        rate=options.rate or None,
        concurrency=options.concurrency,
        wildcards=options.wildcards,
    )
    if batches:
        return spec
    return dataclasses.replace(
        spec,
        budget=options.budget,
        authoritative=options.authoritative,
        authoritative_port=options.authoritative_port,
    )


class Processes:
    """The resolver processes of one run (:func:`shard_pool`), shared by the scan and by
    ``typorisk resolve``: started at most once, from the caller's thread before the event
    loop's starts (so they can be forked cheaply) or else when the run begins, and closed by
    handle when it ends. ``allowed`` is False for a client injected by the caller (tests,
    embedders use it as it is) and for a run that does not resolve."""

    def __init__(self, options: ScanOptions, *, allowed: bool) -> None:
        self._options = options
        self._allowed = allowed
        self.pool: ShardPool | None = None
        """The running pool, or ``None`` (this process alone)."""

    def start(self) -> None:
        """Start the processes the options ask for, unless running or not allowed."""
        if self.pool is None and self._allowed:
            self.pool = shard_pool(self._options)

    def close(self) -> None:
        """End the processes, if any ran."""
        if self.pool is not None:
            self.pool.close()
            self.pool = None


async def preflight(client: DnsClient, targets: Sequence[Target]) -> list[str]:
    """Ask every server for a name with a known answer (the first target's registrable domain).

    A server that gives no well-formed reply (nothing listens, silence, garbage) is dead: raise
    :class:`ResolverUnreachableError` naming it, before anything is resolved. A server that
    answers with an error rcode (SERVFAIL, REFUSED) is alive but may not see the world: the run
    goes on (its names come out unknown and ``max_unknown`` judges the run); the warning lines
    are returned.
    """
    if not targets:
        return []
    return await preflight_name(client, targets[0].registrable)


async def preflight_name(client: DnsClient, name: str) -> list[str]:
    """:func:`preflight` with the name to ask for given."""
    warnings = []
    for check in await check_servers(client, name):
        if check.ok:
            continue
        if check.rcode is None:
            raise ResolverUnreachableError(check.server, check.problem or "no usable reply")
        warnings.append(
            f"typorisk: warning: name server {check.server} answered the check for {name} "
            f"with {check.problem}"
        )
    return warnings


def server_problems(stats: ResolveStats | None) -> list[str]:
    """Servers that stopped answering during the run, one line each."""
    if stats is None:
        return []
    problems = []
    for server, per in sorted(stats.servers.items()):
        if per.sent and per.timeouts / per.sent > STOPPED_SHARE:
            problems.append(
                f"name server {server} stopped answering: {per.timeouts} of {per.sent} queries "
                "timed out"
            )
    return problems

"""``ScanOptions``: every setting of a scan, declared once.

Each field carries its command-line flag, its key in a feed definition (``feeds/*.yaml``) and its
help text in ``metadata``, so the CLI (:mod:`typorisk.cli.options`) and the feed checker
(:mod:`typorisk.feeds.spec`) are both generated from this table and cannot drift apart; a test
asserts every option is reachable from both and documented (docs/guide/scan.md).

Units: seconds for times, queries/s for rates, shares in [0, 1].
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from typorisk.errors import ScanOptionError
from typorisk.kit.about import __version__
from typorisk.kit.outbound import AddressPolicy

Kind = Literal["bool", "int", "float", "str", "strs", "paths", "choice", "date", "weights"]


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """How one :class:`ScanOptions` field is reached from the CLI and from a feed."""

    name: str
    """The field name."""
    kind: Kind
    help: str
    flag: str
    """The long flag (``--rate``); a ``bool`` whose default is true is given as ``--no-...``."""
    feed: str
    """Dotted key in a feed definition (``scan.resolve.rate``)."""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] = ()
    metavar: str | None = None


def _opt(
    default: Any,
    kind: Kind,
    help: str,
    *,
    flag: str,
    feed: str,
    **limits: Any,
) -> Any:
    meta = {"kind": kind, "help": help, "flag": flag, "feed": feed, **limits}
    if isinstance(default, list | dict):
        raise TypeError("mutable default")
    return field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """How a scan runs: permute → resolve → register → probe → web → rank.

    Invariant: a value here is valid (:meth:`checked` raises :class:`ScanOptionError` otherwise,
    naming the flag and the feed key).
    """

    # -- permute --------------------------------------------------------------------------------
    kinds: tuple[str, ...] = _opt(
        (), "strs", "typo kinds or groups to generate (all when empty)",
        flag="--kind", feed="scan.kinds", metavar="KIND",
    )  # fmt: skip
    exclude_kinds: tuple[str, ...] = _opt(
        (), "strs", "typo kinds or groups to leave out",
        flag="--exclude-kind", feed="scan.exclude_kinds", metavar="KIND",
    )  # fmt: skip
    top: int | None = _opt(
        None, "int", "the N most likely candidates per target (all when unset; feeds: 200)",
        flag="--top", feed="scan.top", low=1, metavar="N",
    )  # fmt: skip
    # -- permute: two-edit typos, the suffix swap list, combosquat words ----------------------
    two_edit_top: int | None = _opt(
        None, "int", "up to N two-edit typos per target, walked best-first (unset: only those "
        "likely enough to make --top; 0: none)",
        flag="--two-edit-top", feed="scan.two_edit_top", low=0, metavar="N",
    )  # fmt: skip
    tld: str | None = _opt(
        None, "str", "suffix swap list: a file ('suffix [weight]' a line), or 'all' for every "
        "delegated TLD (unset: a short list of common suffixes)",
        flag="--tld", feed="scan.tld", metavar="FILE",
    )  # fmt: skip
    words: tuple[Path, ...] = _opt(
        (), "paths", "combosquat words (brand-login.com), one a line; the files add up",
        flag="--words", feed="scan.words", metavar="PATH",
    )  # fmt: skip
    # -- resolve --------------------------------------------------------------------------------
    resolve: bool = _opt(
        True, "bool", "resolve the candidates with DNS (off: offline, permutation only)",
        flag="--resolve", feed="scan.resolve",
    )  # fmt: skip
    nameservers: tuple[str, ...] = _opt(
        (), "strs", "resolver to ask, HOST[:PORT] (repeatable; default: /etc/resolv.conf)",
        flag="--nameserver", feed="scan.resolve.nameservers", metavar="HOST[:PORT]",
    )  # fmt: skip
    authoritative: bool = _opt(
        False, "bool", "ask each suffix's own servers with RD=0 whether a name is delegated",
        flag="--authoritative", feed="scan.resolve.authoritative",
    )  # fmt: skip
    authoritative_port: int = _opt(
        53, "int", "port of the suffixes' own servers (53; other values for local test servers)",
        flag="--authoritative-port", feed="scan.resolve.authoritative_port", low=1, high=65535,
        metavar="PORT",
    )  # fmt: skip
    concurrency: int = _opt(
        256, "int", "names in flight",
        flag="--concurrency", feed="scan.resolve.concurrency", low=1, metavar="N",
    )  # fmt: skip
    # -- the rate is adaptive per server (AIMD); --rate is its ceiling ------------------------
    rate: float = _opt(
        0.0, "float", "ceiling of each server's adaptive rate, queries/s (0: no ceiling); the "
        "rate starts at 2,000 (16,000 for a resolver on this host), grows while answers come "
        "and is cut (x0.7) on timeouts, SERVFAIL or REFUSED; give 1000 for public resolvers",
        flag="--rate", feed="scan.resolve.rate", low=0.0, metavar="Q",
    )  # fmt: skip
    timeout: float = _opt(
        2.0, "float", "seconds per query",
        flag="--timeout", feed="scan.resolve.timeout", low=0.0, low_open=True, metavar="S",
    )  # fmt: skip
    retries: int = _opt(
        2, "int", "retries after a timeout or SERVFAIL",
        flag="--retries", feed="scan.resolve.retries", low=0, high=10, metavar="N",
    )  # fmt: skip
    budget: float | None = _opt(
        None, "float", "total seconds for the resolve stage; names not settled are unknown",
        flag="--budget", feed="scan.resolve.budget", low=0.0, low_open=True, metavar="S",
    )  # fmt: skip
    wildcards: bool = _opt(
        True, "bool", "probe zones for wildcards",
        flag="--wildcards", feed="scan.resolve.wildcards",
    )  # fmt: skip
    processes: int = _opt(
        0, "int", "resolver processes on this host (0: one per core but one, at most 4; 1: "
        "this process only); the names are dealt out and the rate ceiling shared",
        flag="--processes", feed="scan.resolve.processes", low=0, high=64, metavar="N",
    )  # fmt: skip
    max_unknown: float = _opt(
        0.02, "float", "share of names whose registration stays unknown above which the run is "
        "incomplete (exit 4, no feed replaced)",
        flag="--max-unknown", feed="scan.resolve.max_unknown", low=0.0, high=1.0, metavar="SHARE",
    )  # fmt: skip
    # -- resolve on Dask ------------------------------------------------------------------------
    executor: str = _opt(
        "local", "choice", "where the resolve stage runs: this process, or Dask workers",
        flag="--executor", feed="scan.executor.kind", choices=("local", "dask"),
    )  # fmt: skip
    scheduler: str | None = _opt(
        None, "str", "a running Dask scheduler (default: an embedded LocalCluster)",
        flag="--scheduler", feed="scan.executor.scheduler", metavar="tcp://HOST:8786",
    )  # fmt: skip
    workers: int = _opt(
        2, "int", "worker processes of the embedded LocalCluster",
        flag="--workers", feed="scan.executor.workers", low=1, metavar="N",
    )  # fmt: skip
    batch_size: int = _opt(
        2000, "int", "names per batch sent to a Dask worker",
        flag="--batch-size", feed="scan.executor.batch_size", low=1, metavar="N",
    )  # fmt: skip
    # -- register -------------------------------------------------------------------------------
    rdap: bool = _opt(
        False, "bool", "look registered names up with RDAP",
        flag="--rdap", feed="scan.registration.rdap",
    )  # fmt: skip
    whois: bool = _opt(
        False, "bool", "WHOIS (TCP 43) for suffixes without RDAP",
        flag="--whois", feed="scan.registration.whois",
    )  # fmt: skip
    zone_files: tuple[Path, ...] = _opt(
        (), "paths", "registry zone file (CZDS lines, plain or gzip) deciding every candidate of "
        "its zone offline (repeatable)",
        flag="--zone-file", feed="scan.registration.zone_files", metavar="PATH",
    )  # fmt: skip
    rdap_rate: float = _opt(
        1.0, "float", "RDAP/WHOIS queries/s per server",
        flag="--rdap-rate", feed="scan.registration.rate", low=0.0, low_open=True, metavar="Q",
    )  # fmt: skip
    rdap_timeout: float = _opt(
        10.0, "float", "seconds per RDAP/WHOIS answer",
        flag="--rdap-timeout", feed="scan.registration.timeout", low=0.0, low_open=True,
        metavar="S",
    )  # fmt: skip
    registration_cache: bool = _opt(
        True, "bool", "reuse fresh answers from the user cache",
        flag="--registration-cache", feed="scan.registration.cache",
    )  # fmt: skip
    rdap_bootstrap: Path | None = _opt(  # noqa: RUF009 - _opt returns a field()
        None, "str", "an RDAP bootstrap file to use instead of the shipped IANA snapshot",
        flag="--rdap-bootstrap", feed="scan.registration.bootstrap", metavar="PATH",
    )  # fmt: skip
    rdap_insecure_http: bool = _opt(
        False, "bool", "allow http:// RDAP servers (local test servers only)",
        flag="--rdap-insecure-http", feed="scan.registration.insecure_http",
    )  # fmt: skip
    whois_port: int = _opt(
        43, "int", "WHOIS port (43; other values for local test servers)",
        flag="--whois-port", feed="scan.registration.whois_port", low=1, high=65535,
        metavar="PORT",
    )  # fmt: skip
    # -- register: network owners -------------------------------------------------------------
    network_owners: bool = _opt(
        True, "bool", "with --rdap: the owner (IP RDAP) and origin AS of each registered name's "
        "first address",
        flag="--network-owners", feed="scan.registration.network_owners",
    )  # fmt: skip
    rdap_network_bootstrap: Path | None = _opt(  # noqa: RUF009 - _opt returns a field()
        None, "str", "a directory with ipv4.json, ipv6.json, asn.json to use instead of the "
        "shipped IANA snapshots",
        flag="--rdap-network-bootstrap", feed="scan.registration.network_bootstrap",
        metavar="DIR",
    )  # fmt: skip
    # -- probe ----------------------------------------------------------------------------------
    probe_smtp: bool = _opt(
        False, "bool", "RCPT TO a random address at each candidate with mail (never DATA)",
        flag="--probe-smtp", feed="scan.probe.smtp",
    )  # fmt: skip
    smtp_helo: str = _opt(
        "", "str", "EHLO name (default: this host's FQDN)",
        flag="--smtp-helo", feed="scan.probe.helo", metavar="NAME",
    )  # fmt: skip
    smtp_from: str = _opt(
        "", "str", "neutral MAIL FROM address (default: the null sender <>)",
        flag="--smtp-from", feed="scan.probe.mail_from", metavar="ADDR",
    )  # fmt: skip
    smtp_timeout: float = _opt(
        15.0, "float", "seconds per SMTP reply",
        flag="--smtp-timeout", feed="scan.probe.timeout", low=0.0, low_open=True, metavar="S",
    )  # fmt: skip
    smtp_port: int = _opt(
        25, "int", "SMTP port (25; other values for local test servers)",
        flag="--smtp-port", feed="scan.probe.port", low=1, high=65535, metavar="PORT",
    )  # fmt: skip
    # -- web ----------------------------------------------------------------------------------
    web: bool = _opt(
        False, "bool", "fetch each candidate with addresses over HTTP(S) and compare it with the "
        "target's page (clone, login, parked, redirect...)",
        flag="--web", feed="scan.web",
    )  # fmt: skip
    web_user_agent: str = _opt(
        f"typorisk/{__version__} (typo-domain risk scan; web evidence)", "str",
        "User-Agent of web requests (identify yourself)",
        flag="--web-user-agent", feed="scan.web.user_agent", metavar="TEXT",
    )  # fmt: skip
    web_concurrency: int = _opt(
        16, "int", "pages in flight",
        flag="--web-concurrency", feed="scan.web.concurrency", low=1, metavar="N",
    )  # fmt: skip
    web_rate: float = _opt(
        2.0, "float", "requests/s per IP address (0: no limit)",
        flag="--web-rate", feed="scan.web.rate", low=0.0, metavar="Q",
    )  # fmt: skip
    web_connect_timeout: float = _opt(
        5.0, "float", "seconds to open a web connection (TCP and TLS)",
        flag="--web-connect-timeout", feed="scan.web.connect_timeout", low=0.0, low_open=True,
        metavar="S",
    )  # fmt: skip
    web_read_timeout: float = _opt(
        10.0, "float", "seconds for one response's headers and body",
        flag="--web-read-timeout", feed="scan.web.read_timeout", low=0.0, low_open=True,
        metavar="S",
    )  # fmt: skip
    web_max_bytes: int = _opt(
        2 * 1024 * 1024, "int", "body bytes read per response; reading stops beyond",
        flag="--web-max-bytes", feed="scan.web.max_bytes", low=1024, metavar="BYTES",
    )  # fmt: skip
    web_redirects: int = _opt(
        5, "int", "redirects followed per page",
        flag="--web-redirects", feed="scan.web.redirects", low=0, high=20, metavar="N",
    )  # fmt: skip
    web_screenshots: bool = _opt(
        False, "bool", "headless Chromium screenshots compared by perceptual hash (needs chromium)",
        flag="--web-screenshots", feed="scan.web.screenshots",
    )  # fmt: skip
    web_ports: tuple[str, ...] = _opt(
        ("80", "443"), "strs", "ports web fetches and their redirects may reach (repeatable)",
        flag="--web-port", feed="scan.web.ports", metavar="PORT",
    )  # fmt: skip
    # -- the outbound address policy (every connection: web, RDAP, WHOIS, SMTP) ----------------
    allow_private_network: tuple[str, ...] = _opt(
        (), "strs", "open a non-public network to outbound connections, CIDR (repeatable; off: "
        "loopback, RFC 1918, link-local, metadata and other non-public addresses are refused)",
        flag="--allow-private-network", feed="scan.allow_private_network", metavar="CIDR",
    )  # fmt: skip
    # -- rank -----------------------------------------------------------------------------------
    rank: bool = _opt(
        True, "bool", "rank by risk (needs every result; off: stream rows as names complete)",
        flag="--rank", feed="scan.rank",
    )  # fmt: skip
    weights: tuple[tuple[str, float], ...] = _opt(
        (), "weights", "risk weight overrides NAME=VALUE (docs: guide/rank.md), e.g. w_graph=0.3",
        flag="--weight", feed="risk", metavar="NAME=VALUE",
    )  # fmt: skip
    today: dt.date | None = _opt(  # noqa: RUF009 - _opt returns a field()
        None, "date", "date 'recently registered' is measured from (default: today)",
        flag="--today", feed="scan.today", metavar="DATE",
    )  # fmt: skip

    def checked(self) -> ScanOptions:
        """``self`` when every value is within its limits; else :class:`ScanOptionError`."""
        for spec in OPTIONS:
            value = getattr(self, spec.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if spec.low is not None and (value < spec.low or (spec.low_open and value == spec.low)):
                bound = ">" if spec.low_open else ">="
                raise ScanOptionError(spec.flag, spec.feed, f"must be {bound} {spec.low:g}")
            if spec.high is not None and value > spec.high:
                raise ScanOptionError(spec.flag, spec.feed, f"must be <= {spec.high:g}")
        if self.executor not in ("local", "dask"):
            raise ScanOptionError("--executor", "scan.executor.kind", "must be local or dask")
        # the ports first: past them, only a network can make the policy fail
        checks = (("web_ports", self._ports), ("allow_private_network", self.address_policy))
        for name, check in checks:
            try:
                check()
            except ValueError as exc:
                spec = OPTION_BY_NAME[name]
                raise ScanOptionError(spec.flag, spec.feed, str(exc)) from None
        return self

    def _ports(self) -> list[int]:
        """:attr:`web_ports` as numbers; ``ValueError`` naming one that is not a port."""
        ports = []
        for text in self.web_ports:
            if not text.isdigit() or not 1 <= int(text) <= 65535:
                raise ValueError(f"{text!r} is not a port: give 1 to 65535")
            ports.append(int(text))
        return ports

    def address_policy(self) -> AddressPolicy:
        """The outbound address policy these options give (``ValueError`` on a port or
        network that does not parse; never once :meth:`checked` passed)."""
        return AddressPolicy.of(self.allow_private_network, self._ports())

    def with_values(self, values: Mapping[str, Any]) -> ScanOptions:
        """A copy with ``values`` (field name → value) set, checked."""
        return dataclasses.replace(self, **values).checked()

    @property
    def registration(self) -> bool:
        """Some registration source (RDAP, WHOIS, zone files) is on."""
        return self.rdap or self.whois or bool(self.zone_files)


def _specs() -> tuple[OptionSpec, ...]:
    out = []
    for f in dataclasses.fields(ScanOptions):
        meta = dict(f.metadata)
        out.append(OptionSpec(name=f.name, **meta))
    return tuple(out)


OPTIONS: tuple[OptionSpec, ...] = _specs()
"""Every option, in declaration order (the CLI's and the feed checker's table)."""
OPTION_BY_NAME: dict[str, OptionSpec] = {o.name: o for o in OPTIONS}


def markdown_table() -> str:
    """The option table of docs/guide/scan.md, generated from :data:`OPTIONS`."""
    lines = ["| option | flag | feed key | default | meaning |", "|---|---|---|---|---|"]
    defaults = ScanOptions()
    for spec in OPTIONS:
        default = getattr(defaults, spec.name)
        shown = "" if default in (None, (), "") else f"`{default}`"
        flag = (
            f"`{spec.flag}`" if spec.kind != "bool" else f"`{spec.flag}` / `--no-{spec.flag[2:]}`"
        )
        lines.append(f"| `{spec.name}` | {flag} | `{spec.feed}` | {shown} | {spec.help} |")
    return "\n".join(lines) + "\n"

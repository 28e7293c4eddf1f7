"""A web world with known ground truth: real HTTP(S) servers on 127.0.19.x, real DNS for them.

- NSD serves ``com.`` (the target ``brandbank.com``, its typos, ``othershop.com``) on
  ``127.0.19.53``; Unbound resolves through it (typorisk's ``--nameserver``). dnstwist takes no
  port, so the benchmark puts NSD on port 53.
- One aiohttp server per site address, on ports 80 and 443 (binding them needs root, which the
  test machine and CI have), TLS from a test CA made here with ``cryptography`` (its leaf
  certificates' ``notBefore`` is chosen: the clone's is 3 days old), one certificate per
  address for the site's names. Sites that serve no TLS refuse 443 (the fetcher falls back to
  http).
- The faults are real sockets: a tarpit trickling one byte a second, a 50 MB body, binary junk,
  a server that resets the connection (SO_LINGER 0), an address where nothing listens.

:data:`SITES` is the ground truth: domain → (role, expected class).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.resolve.servers import free_port, nsd, unbound

TARGET = "brandbank.com"
NET = "127.0.19."
DNS_HOST = NET + "53"
NOWHERE = NET + "99"
"""An address where nothing listens."""

# domain → (role, expected class, last octet)
SITES: dict[str, tuple[str, str, int]] = {
    "brandbamk.com": ("clone", "clone", 11),
    "brandbnak.com": ("modified", "clone", 12),
    "branbank.com": ("parked", "parked", 13),
    "brnadbank.com": ("login", "login", 14),
    "brandbanc.com": ("to-target", "redirect-target", 15),
    "brandbankk.com": ("loop", "error", 16),
    "bandbank.com": ("tarpit", "error", 17),
    "brandank.com": ("huge", "unrelated", 18),
    "rbandbank.com": ("binary", "error", 19),
    "brandbak.com": ("reset", "error", 20),
    "brandbaank.com": ("unrelated", "unrelated", 21),
    "brendbank.com": ("to-other", "redirect-other", 22),
    "brandbnk.com": ("nowhere", "unreachable", 99),
}
TARGET_OCTET = 10
OTHER = ("othershop.com", 23)
TLS_ROLES = {"target", "clone", "modified", "login"}

LOGIN_PAGE = """<!doctype html><html><head><title>BrandBank - Sign in to online banking</title>
<link rel="icon" href="/favicon.ico"><style>body{font-family:sans-serif}</style>
<script>window.analytics = {id: "brandbank"};</script></head><body>
<header><a href="https://brandbank.com/">BrandBank</a> <nav><a href="/personal">Personal</a>
<a href="/business">Business</a> <a href="/help">Help and support</a></nav></header>
<main><h1>Sign in to BrandBank online banking</h1>
<p>Welcome back. Enter your customer number and password to manage your accounts, pay bills,
move money between accounts and see your latest statements.</p>
<form action="https://brandbank.com/login" method="post">
<label>Customer number <input type="text" name="customer"></label>
<label>Password <input type="password" name="password"></label>
<input type="hidden" name="csrf" value="a1b2c3"><button type="submit">Sign in</button></form>
<p>Forgotten your details? <a href="/reset">Reset your password</a>. New to BrandBank?
<a href="/open">Open an account in ten minutes</a>.</p>
<p>BrandBank will never ask for your full password by email or phone. If you receive a
suspicious message, forward it to our security team and delete it.</p></main>
<footer>BrandBank plc is authorised by the Prudential Regulation Authority. Registered office:
1 Example Street, London. Cookies and privacy. Accessibility. Terms and conditions.</footer>
</body></html>"""

MODIFIED_PAGE = (
    LOGIN_PAGE.replace("https://brandbank.com/login", "https://brandbamk-secure.example/gate.php")
    .replace("Welcome back.", "Welcome back, valued customer. Your account needs verification.")
    .replace("<main>", '<main><div class="banner">Security update: verify today</div>')
)

KIT_PAGE = """<html><head><title>BrandBank secure verification</title></head><body>
<div class="box"><img src="logo.png"><h2>Verify your identity</h2>
<p>Unusual activity detected. Confirm your email and password to restore access.</p>
<form method="post" action="next.php"><input name="email" placeholder="Email">
<input type="password" name="pass"><input type="submit" value="Continue"></form></div>
</body></html>"""

PARKED_PAGE = """<html><head><title>branbank.com - This domain may be for sale!</title>
<script src="https://img.sedoparking.com/js/park.js"></script></head><body>
<h1>branbank.com</h1><p>This domain may be for sale. Related searches: online banking,
savings account, credit card, mortgage rates.</p></body></html>"""

BAKERY_PAGE = """<html><head><title>Crumbs and Co - a bakery blog</title></head><body>
<h1>Sourdough diaries</h1><p>This week we tried a rye starter with a long cold proof.
The crust came out dark and blistered, the crumb open and glossy. Recipe below, with
timings for a warm kitchen and a cold one.</p><ul><li>500 g flour</li><li>350 g water</li>
<li>100 g starter</li><li>10 g salt</li></ul><p>Comments are open.</p></body></html>"""

SHOP_PAGE = """<html><head><title>Other Shop</title></head><body><h1>Shoes and bags</h1>
<p>Free delivery on orders over fifty pounds. Returns within thirty days.</p></body></html>"""

SEEN: list[tuple[str, str]] = []
"""(Host header, User-Agent) of every request the sites answered (tests read it)."""
FAVICON = bytes(range(256)) * 4
"""The target's favicon bytes (the clones copy it)."""


@dataclass
class LabCA:
    """A CA issuing leaf certificates with a chosen notBefore."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    issued: dict[str, bytes] = field(default_factory=dict)
    """First name → DER of the last leaf issued for it."""

    @classmethod
    def make(cls) -> LabCA:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Typorisk Test CA")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=3650))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )  # fmt: skip
        return cls(key, cert)

    def leaf(
        self, names: list[str], age_days: int, directory: Path, *, self_signed: bool = False
    ) -> ssl.SSLContext:
        """A server context for ``names`` whose certificate is ``age_days`` old."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
        issuer, signer = (subject, key) if self_signed else (self.cert.subject, self.key)
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=age_days, hours=1))
            .not_valid_after(now + dt.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
                           critical=False)
            .sign(signer, hashes.SHA256())
        )  # fmt: skip
        self.issued[names[0]] = cert.public_bytes(serialization.Encoding.DER)
        stem = directory / names[0]
        stem.with_suffix(".crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        stem.with_suffix(".key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(stem.with_suffix(".crt"), stem.with_suffix(".key"))
        return context


def _page(text: str) -> web.Response:
    return web.Response(text=text, content_type="text/html")


async def _tarpit(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    await response.prepare(request)
    with contextlib.suppress(ConnectionError):
        for _ in range(120):  # one byte a second for two minutes
            await response.write(b"<")
            await asyncio.sleep(1)
    return response


async def _huge(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    response.content_length = 50 * 1024 * 1024
    await response.prepare(request)
    chunk = b"<p>filler text of a very large page</p>\n" * 1638  # ~64 KiB
    sent = 0
    with contextlib.suppress(ConnectionError):
        while sent < response.content_length:
            part = chunk[: response.content_length - sent]
            await response.write(part)
            sent += len(part)
    return response


def site_app(role: str, domain: str) -> web.Application:
    """The aiohttp application of one site."""
    app = web.Application()
    routes: dict[str, object] = {
        "target": lambda r: _page(LOGIN_PAGE),
        "clone": lambda r: _page(LOGIN_PAGE.replace("https://brandbank.com/", f"https://{domain}/")),
        "modified": lambda r: _page(MODIFIED_PAGE),
        "login": lambda r: _page(KIT_PAGE),
        "parked": lambda r: _page(PARKED_PAGE),
        "unrelated": lambda r: _page(BAKERY_PAGE),
        "other": lambda r: _page(SHOP_PAGE),
        "to-target": lambda r: web.HTTPMovedPermanently(f"http://www.{TARGET}/"),
        "to-other": lambda r: web.HTTPFound(f"http://{OTHER[0]}/welcome"),
        "loop": lambda r: web.HTTPFound("/again"),
        "tarpit": _tarpit,
        "huge": _huge,
        "binary": lambda r: web.Response(body=_junk(), content_type="text/html"),
    }  # fmt: skip

    async def home(request: web.Request) -> web.StreamResponse:
        SEEN.append((request.host, request.headers.get("User-Agent", "")))
        if role == "target" and request.host.startswith("www."):
            raise web.HTTPMovedPermanently(f"https://{TARGET}/")
        handler = routes[role]
        result = handler(request)  # type: ignore[operator]
        if asyncio.iscoroutine(result):
            result = await result
        if isinstance(result, web.HTTPException):
            raise result
        return result  # type: ignore[no-any-return]

    async def again(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/")

    async def icon(request: web.Request) -> web.Response:
        if role in ("target", "clone", "modified"):
            return web.Response(body=FAVICON, content_type="image/x-icon")
        raise web.HTTPNotFound()

    app.router.add_get("/", home)
    app.router.add_get("/welcome", home)
    app.router.add_get("/again", again)
    app.router.add_get("/favicon.ico", icon)
    return app


def _junk() -> bytes:
    seed = b"\x00\xff\x13\x37" * 4
    return bytes((seed[i % 16] * (i + 7)) % 256 for i in range(65536))


async def _reset_server(host: str, port: int) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    return await asyncio.start_server(handle, host, port)


@dataclass
class World:
    """The running world: where to ask DNS, and the ground truth."""

    resolver: tuple[str, int]
    """Unbound (typorisk's ``--nameserver``)."""
    authority: tuple[str, int]
    """NSD (dnstwist's ``--nameservers`` when on port 53)."""
    sites: dict[str, tuple[str, str, int]]

    @property
    def nameserver(self) -> str:
        return f"{self.resolver[0]}:{self.resolver[1]}"


def zone_text(sites: dict[str, tuple[str, str, int]]) -> str:
    lines = [
        "$ORIGIN com.", "$TTL 300",
        "@ SOA ns.com. admin.com. 1 3600 600 86400 60", "@ NS ns.com.", f"ns A {DNS_HOST}",
        f"{TARGET}. A {NET}{TARGET_OCTET}", f"www.{TARGET}. A {NET}{TARGET_OCTET}",
        f"{TARGET}. MX 10 mx.{TARGET}.", f"mx.{TARGET}. A {NET}{TARGET_OCTET}",
        f"{OTHER[0]}. A {NET}{OTHER[1]}",
    ]  # fmt: skip
    lines += [f"{domain}. A {NET}{octet}" for domain, (_, _, octet) in sites.items()]
    return "\n".join(lines) + "\n"


class _Loop:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: object, timeout: float = 30) -> object:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


async def _start_sites(
    sites: dict[str, tuple[str, str, int]], ca: LabCA, directory: Path
) -> list[object]:
    started: list[object] = []
    hosts: dict[int, tuple[str, str]] = {
        TARGET_OCTET: ("target", TARGET),
        OTHER[1]: ("other", OTHER[0]),
    }
    for domain, (role, _, octet) in sites.items():
        hosts.setdefault(octet, (role, domain))
    for octet, (role, domain) in hosts.items():
        if role == "nowhere":
            continue
        host = f"{NET}{octet}"
        if role == "reset":
            started += [await _reset_server(host, 80), await _reset_server(host, 443)]
            continue
        runner = web.AppRunner(site_app(role, domain), access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        started.append(runner)
        await web.TCPSite(runner, host, 80).start()
        if role in TLS_ROLES:
            names = [TARGET, f"www.{TARGET}"] if role == "target" else [domain]
            age = {"clone": 3, "modified": 200}.get(role, 400)
            context = ca.leaf(names, age, directory, self_signed=role == "login")
            await web.TCPSite(runner, host, 443, ssl_context=context).start()
    return started


async def _stop_sites(started: list[object]) -> None:
    for item in started:
        if isinstance(item, web.AppRunner):
            await item.cleanup()
        elif isinstance(item, asyncio.Server):
            item.close()
            await item.wait_closed()


@contextlib.contextmanager
def web_world(
    directory: Path, sites: dict[str, tuple[str, str, int]] | None = None, *, dns_port: int = 0
) -> Iterator[World]:
    """Start the world (DNS and web servers); ``dns_port`` 0 picks a free port for NSD."""
    sites = SITES if sites is None else sites
    directory.mkdir(parents=True, exist_ok=True)
    port = dns_port or free_port(DNS_HOST)
    loop = _Loop()
    ca = LabCA.make()
    started = loop.run(_start_sites(sites, ca, directory))
    stubs = [(".", f"{DNS_HOST}@{port}"), ("com.", f"{DNS_HOST}@{port}")]
    try:
        with (
            nsd(directory / "nsd", {"com.": zone_text(sites)}, host=DNS_HOST, port=port) as auth,
            unbound(directory / "unbound", stubs, port=free_port(), probe=f"{TARGET}.") as rec,
        ):
            yield World(rec, auth, sites)
    finally:
        loop.run(_stop_sites(started))  # type: ignore[arg-type]
        loop.close()


def can_bind_web_ports() -> bool:
    """Ports 80/443 can be bound here (root, or CAP_NET_BIND_SERVICE)."""
    return os.geteuid() == 0

"""Real SMTP servers (aiosmtpd) on 127.0.0.1 high ports, each recording every command it got.

One behaviour per server: accept any recipient, reject unknown ones (550), reject every
recipient (the case dnstwist calls "intercepting"), greet with 554, stall before the greeting or
at RCPT (tarpits), greylist (450), offer STARTTLS, require it (aiosmtpd's own 530 path), or
offer it with a handshake that cannot succeed (the server speaks TLS 1.1 at most). The
certificates come from a test CA made here with ``cryptography`` (:func:`test_ca`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import time
import warnings
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

KNOWN = "postmaster"


class Recorder:
    """Handler hooks: decide RCPT replies per behaviour; log arrives via the SMTP subclass."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.commands: list[str] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.behaviour == "stall-rcpt":
            await asyncio.sleep(10)
        if self.behaviour == "greylist":
            return "450-4.2.0 Greylisted, see\r\n450 4.2.0 http://example.invalid/greylisting"
        if self.behaviour == "reject-all":
            return "550 5.7.1 Relaying denied"
        if self.behaviour == "reject-unknown" and not address.startswith(KNOWN + "@"):
            return "550 5.1.1 <" + address + ">: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "250 2.0.0 queued"  # never reached: the tests assert DATA never arrives


class RecordingSMTP(SMTP):
    """aiosmtpd's SMTP with every received command verb logged, and greeting behaviours."""

    def __init__(self, handler: Recorder, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.recorder = handler
        for verb, method in list(self._smtp_methods.items()):
            self._smtp_methods[verb] = self._recording(verb, method)

    def _recording(self, verb: str, method: Any) -> Any:
        async def wrapped(arg: str | None) -> None:
            self.recorder.commands.append(verb)
            await method(arg)

        return wrapped

    async def _handle_client(self) -> None:
        if self.recorder.behaviour == "greet-554":
            await self.push("554 5.7.1 No SMTP service here")
            # keep listening: a polite client sends QUIT, which we record
            line = await self._reader.readline()
            if line:
                self.recorder.commands.append(line.decode().split()[0].upper())
            assert self.transport is not None
            self.transport.close()
            return
        if self.recorder.behaviour == "stall-greeting":
            await asyncio.sleep(10)
            return
        await super()._handle_client()


class RecordingController(Controller):
    def factory(self) -> SMTP:
        return RecordingSMTP(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        # Connect once (so factory() runs) without waiting for a greeting that may never come.
        with socket.create_connection((self.hostname, self.port), 1.0):
            pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CA_NAME = "typorisk test CA"
CERT_NAMES = ("mx.test.example", "mail.test.example")
CERT_AGE_DAYS = 10
"""The test certificate's notBefore is this many days before now."""


def test_ca(directory: Path) -> tuple[Path, Path]:
    """A CA and a leaf certificate (SAN :data:`CERT_NAMES` and 127.0.0.1, valid from
    :data:`CERT_AGE_DAYS` days ago) signed by it; returns (chain PEM, key PEM)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    san = [x509.DNSName(n) for n in CERT_NAMES] + [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
    ]
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CERT_NAMES[0])]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=CERT_AGE_DAYS, hours=1))
        .not_valid_after(now + dt.timedelta(days=20))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    chain, key_path = directory / "chain.pem", directory / "key.pem"
    pem = serialization.Encoding.PEM
    chain.write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    key_path.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return chain, key_path


def tls_context(directory: Path, *, broken: bool = False) -> ssl.SSLContext:
    """The server side: the test CA's leaf; ``broken`` allows TLS 1.1 at most (the probe
    requires 1.2, so the handshake fails)."""
    chain, key = test_ca(directory)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain, key)
    if broken:
        with warnings.catch_warnings():  # TLS 1.1 is deprecated: that is the point
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            context.maximum_version = ssl.TLSVersion.TLSv1_1
    return context


def start(behaviour: str, tmp: Path | None = None) -> tuple[RecordingController, Recorder]:
    """Start a server; the caller stops it (``controller.stop()``)."""
    recorder = Recorder(behaviour)
    kwargs: dict[str, Any] = {}
    if behaviour in ("tls-required", "starttls", "tls-broken"):
        assert tmp is not None
        where = tmp / behaviour
        where.mkdir(exist_ok=True)
        context = tls_context(where, broken=behaviour == "tls-broken")
        kwargs = {"tls_context": context, "require_starttls": behaviour == "tls-required"}
    controller = RecordingController(
        recorder, hostname="127.0.0.1", port=free_port(), ready_timeout=5.0, **kwargs
    )
    controller.start()
    time.sleep(0.01)
    return controller, recorder

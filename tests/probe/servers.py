"""Real SMTP servers (aiosmtpd) on 127.0.0.1 high ports, each recording every command it got.

One behaviour per server: accept any recipient, reject unknown ones (550), reject every
recipient (the case dnstwist calls "intercepting"), greet with 554, stall before the greeting or
at RCPT (tarpits), greylist (450), require STARTTLS (aiosmtpd's own 530 path, with a
self-signed certificate made by openssl).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

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


def tls_context(directory: Path) -> ssl.SSLContext:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def start(behaviour: str, tmp: Path | None = None) -> tuple[RecordingController, Recorder]:
    """Start a server; the caller stops it (``controller.stop()``)."""
    recorder = Recorder(behaviour)
    kwargs: dict[str, Any] = {}
    if behaviour == "tls-required":
        assert tmp is not None
        kwargs = {"tls_context": tls_context(tmp), "require_starttls": True}
    controller = RecordingController(
        recorder, hostname="127.0.0.1", port=free_port(), ready_timeout=5.0, **kwargs
    )
    controller.start()
    time.sleep(0.01)
    return controller, recorder

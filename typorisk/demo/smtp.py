"""The demo's catch-all mail server: aiosmtpd on 127.0.0.1, accepting any recipient.

It plays the squatting operation's collector MX. It records the commands it receives, so the
demo (and its test) can show that the probe never sent DATA. It offers STARTTLS with a fresh
synthetic certificate (:mod:`typorisk.demo.tls`), as most real MX hosts do.
"""

from __future__ import annotations

import socket
from types import TracebackType

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from typorisk.demo.tls import server_context


class CatchAll:
    """An aiosmtpd handler that accepts every recipient and remembers what it was asked."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        self.commands.append("RCPT")
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK (catch-all: any recipient accepted)"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.commands.append("DATA")
        return "250 2.0.0 queued"


class CatchAllServer:
    """``with CatchAllServer() as smtp``: listening on ``smtp.host:smtp.port``."""

    def __init__(
        self, host: str = "127.0.0.1", names: tuple[str, ...] = ("localhost",), port: int = 0
    ) -> None:
        self.handler = CatchAll()
        self.host = host
        self.port = port or _free_port(host)
        self._controller = Controller(
            self.handler, hostname=host, port=self.port, tls_context=server_context(names)
        )

    def __enter__(self) -> CatchAllServer:
        self._controller.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._controller.stop()


def _free_port(host: str) -> int:
    """A TCP port free on ``host`` now (the OS picks it; the server binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])

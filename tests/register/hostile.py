"""Small hostile servers for the register and probe tests, all on loopback.

:class:`Listener` is the witness of "never contacted": a TCP listener that records every
connection it accepts (and the bytes sent on it) and answers nothing. :func:`whois_world` is a
WHOIS server whose answer per query is chosen by the test, including floods that never end.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable

Answer = Callable[[str, asyncio.StreamWriter], "asyncio.Future[None] | object"]


class Listener:
    """A TCP listener on ``host`` that accepts, records and closes (port 0: any free port)."""

    def __init__(self) -> None:
        self.connections = 0
        """Connections accepted so far."""
        self.received = b""
        """Bytes received on them (the first 4 KiB of each)."""
        self.port = 0
        self._server: asyncio.Server | None = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(0.5):
                self.received += await reader.read(4096)
        writer.close()

    @contextlib.asynccontextmanager
    async def listening(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[Listener]:
        """Listen on ``host:port`` for the block's duration."""
        self._server = await asyncio.start_server(self._accept, host, port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        try:
            async with self._server:
                yield self
        finally:
            self._server.close()


@contextlib.asynccontextmanager
async def whois_world(
    answers: dict[str, str], host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[tuple[int, list[str], list[int]]]:
    """A WHOIS server on ``host``: the answer to a query is ``answers[query]`` (``"NOT FOUND"``
    when absent). An answer starting ``FLOOD:`` sends the rest once, then filler lines without
    end (never closing) until the client goes away. Yields (port, queries asked, bytes sent per
    connection)."""
    queries: list[str] = []
    sent: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        query = (await reader.readline()).decode().strip()
        queries.append(query)
        answer = answers.get(query, "NOT FOUND\r\n")
        count = 0
        try:
            if answer.startswith("FLOOD:"):
                head = answer.removeprefix("FLOOD:").encode()
                writer.write(head)
                count += len(head)
                filler = b"% " + b"x" * 1021 + b"\r\n"
                while count < 100 * 1024 * 1024:  # 100 MB, the client should stop far earlier
                    writer.write(filler * 16)
                    count += len(filler) * 16
                    await writer.drain()
            elif answer.startswith("TRICKLE:"):
                for char in answer.removeprefix("TRICKLE:").encode() * 1000:
                    writer.write(bytes([char]))
                    count += 1
                    await writer.drain()
                    await asyncio.sleep(0.02)
            else:
                writer.write(answer.encode())
                count += len(answer)
                await writer.drain()
        except OSError:
            pass  # the client hung up: what a flood should see
        finally:
            sent.append(count)
            writer.close()

    server = await asyncio.start_server(handle, host, port)
    try:
        async with server:
            yield int(server.sockets[0].getsockname()[1]), queries, sent
    finally:
        server.close()


class SilentPort:
    """A listening socket nobody serves (usable from synchronous tests): :meth:`contacted`
    says whether any connection arrived. Close it with :meth:`close`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(64)
        self.sock.setblocking(False)
        self.port = int(self.sock.getsockname()[1])

    def contacted(self) -> bool:
        """True when a connection is waiting to be accepted (someone connected)."""
        try:
            conn, _ = self.sock.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    def close(self) -> None:
        self.sock.close()

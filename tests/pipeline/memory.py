"""An in-memory world for a whole scan: DNS, HTTP and SMTP served by objects in this process,
reached through the clients of :class:`typorisk.pipeline.clients.Clients` with no socket.

- HTTP: :class:`MemoryConnector`, an aiohttp connector whose every connection is a pair of
  in-memory transports to an aiohttp server protocol (RDAP, web pages);
- SMTP: :func:`memory_connect`, the prober's transport: a stream to a small catch-all server
  coroutine (it records every command);
- DNS: :class:`MemoryLoop`, an event loop whose datagram endpoints are answered by an
  authoritative :class:`~typorisk.demo.dnsserver.Authority` (the DNS client opens its sockets
  through the loop; its own code is untouched).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import dns.message
from aiohttp.client_proto import ResponseHandler

from typorisk.demo.dnsserver import MAX_UDP, Authority

PEER = ("127.0.0.1", 4242)


class MemoryTransport(asyncio.Transport):
    """One end of an in-memory stream: what is written is delivered to the other end's protocol
    on a later turn of the loop (in order); closing ends both."""

    def __init__(self, loop: asyncio.AbstractEventLoop, protocol: asyncio.BaseProtocol) -> None:
        super().__init__()
        self._loop = loop
        self._protocol = protocol
        self.peer: MemoryTransport | None = None
        self._closing = False
        self._paused = False
        self._held: list[bytes] = []

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": PEER, "sockname": PEER}.get(name, default)

    def is_closing(self) -> bool:
        return self._closing

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._protocol = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._protocol

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._closing and self.peer is not None:
            self._loop.call_soon(self.peer._deliver, bytes(data))

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        if self.peer is not None:
            self._loop.call_soon(self.peer._eof)

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def pause_reading(self) -> None:
        self._paused = True

    def resume_reading(self) -> None:
        self._paused = False
        held, self._held = self._held, []
        for data in held:
            self._deliver(data)

    def is_reading(self) -> bool:
        return not self._paused

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._loop.call_soon(self._protocol.connection_lost, None)
        if self.peer is not None:
            self._loop.call_soon(self.peer._eof)

    def abort(self) -> None:
        self.close()

    def _deliver(self, data: bytes) -> None:
        if self._closing:
            return
        if self._paused:
            self._held.append(data)
            return
        assert isinstance(self._protocol, asyncio.Protocol)
        self._protocol.data_received(data)

    def _eof(self) -> None:
        if self._closing:
            return
        assert isinstance(self._protocol, asyncio.Protocol)
        if not self._protocol.eof_received():
            self.close()


def connect_pair(
    loop: asyncio.AbstractEventLoop, client: asyncio.Protocol, server: asyncio.Protocol
) -> MemoryTransport:
    """Join ``client`` and ``server`` by two in-memory transports; the client's transport."""
    near, far = MemoryTransport(loop, client), MemoryTransport(loop, server)
    near.peer, far.peer = far, near
    server.connection_made(far)
    client.connection_made(near)
    return near


class MemoryConnector(aiohttp.BaseConnector):
    """An aiohttp connector whose connections go to ``server()`` (an aiohttp server protocol,
    e.g. ``AppRunner.server``) in memory; ``https`` URLs are refused as unreachable (no TLS
    here). ``hosts`` records the host of every connection."""

    def __init__(self, server: Callable[[], asyncio.Protocol]) -> None:
        super().__init__(force_close=True, limit=0)
        self._server = server
        self.hosts: list[str] = []

    async def _create_connection(
        self, req: Any, traces: Any, timeout: aiohttp.ClientTimeout
    ) -> ResponseHandler:
        self.hosts.append(str(req.url.raw_host))
        if req.url.scheme == "https":
            raise aiohttp.ClientConnectorError(
                req.connection_key, ConnectionRefusedError(111, "no TLS in memory")
            )
        proto = ResponseHandler(loop=self._loop)
        connect_pair(self._loop, proto, self._server())
        return proto


Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def memory_connect(
    serve: Serve,
) -> Callable[[str, int], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]:
    """A prober transport: each connection is a stream to ``serve`` in memory."""

    async def connect(address: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=4096)
        proto = asyncio.StreamReaderProtocol(reader)
        far = asyncio.StreamReaderProtocol(asyncio.StreamReader(), serve)  # runs it as a task
        near = connect_pair(loop, proto, far)
        return reader, asyncio.StreamWriter(near, proto, reader, loop)

    return connect


class CatchAllSmtp:
    """A catch-all SMTP server coroutine: accepts every recipient; records every command."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 memory.example ESMTP\r\n")
        while line := await reader.readline():
            verb = line.decode("ascii", "replace").strip()
            self.commands.append(verb)
            word = verb.split(" ", 1)[0].upper()
            if word == "QUIT":
                writer.write(b"221 bye\r\n")
                break
            reply = {"EHLO": b"250 memory.example\r\n", "HELO": b"250 memory.example\r\n"}
            writer.write(reply.get(word, b"250 ok\r\n"))
        writer.close()


class MemoryDatagram(asyncio.DatagramTransport):
    """A connected UDP socket in memory: each query gets ``authority``'s answer."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        protocol: asyncio.DatagramProtocol,
        authority: Authority,
        queries: list[str],
    ) -> None:
        super().__init__()
        self._loop = loop
        self._protocol = protocol
        self._authority = authority
        self._queries = queries
        self._closing = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": PEER}.get(name, default)

    def is_closing(self) -> bool:
        return self._closing

    def sendto(self, data: bytes | bytearray | memoryview, addr: Any = None) -> None:
        query = dns.message.from_wire(bytes(data))
        self._queries.append(str(query.question[0].name))
        reply = self._authority.answer(query).to_wire(max_size=MAX_UDP)
        self._loop.call_soon(self._protocol.datagram_received, reply, PEER)

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            self._loop.call_soon(self._protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()


class MemoryLoop(asyncio.SelectorEventLoop):
    """An event loop whose datagram endpoints are answered by ``authority`` in memory, and
    whose stream connections are refused (everything else must come through the clients)."""

    authority: Authority
    queries: list[str]

    async def create_datagram_endpoint(  # type: ignore[override]
        self, protocol_factory: Callable[[], asyncio.DatagramProtocol], *args: Any, **kw: Any
    ) -> tuple[asyncio.DatagramTransport, asyncio.DatagramProtocol]:
        protocol = protocol_factory()
        transport = MemoryDatagram(self, protocol, self.authority, self.queries)
        protocol.connection_made(transport)
        return transport, protocol

    async def create_connection(self, *args: Any, **kw: Any) -> Any:  # type: ignore[override]
        raise ConnectionRefusedError(111, "the memory loop opens no connection")


class SocketGuard:
    """Refuses every Internet socket and name lookup while installed (``monkeypatch``), and
    records what was tried."""

    def __init__(self) -> None:
        self.tried: list[str] = []

    def install(self, monkeypatch: Any) -> None:
        real = socket.socket
        guard = self

        class Guarded(real):  # type: ignore[misc, valid-type]
            def __init__(self, family: int = -1, *args: Any, **kw: Any) -> None:
                if family in (socket.AF_INET, socket.AF_INET6, -1) and kw.get("fileno") is None:
                    guard.tried.append(f"socket({family})")
                    raise PermissionError("network access in an in-memory test")
                super().__init__(family, *args, **kw)

        monkeypatch.setattr(socket, "socket", Guarded)
        for name in (
            "getaddrinfo",
            "gethostbyname",
            "gethostbyaddr",
            "getfqdn",
            "create_connection",
        ):

            def refused(*args: Any, _name: str = name, **kw: Any) -> Any:
                guard.tried.append(f"{_name}{args[:2]}")
                raise PermissionError(f"{_name} in an in-memory test")

            monkeypatch.setattr(socket, name, refused)

"""Run dnstwist's CLI inside the web test world: its HTTP host lookups go to the world's DNS.

dnstwist asks DNS through ``--nameservers`` (port 53 only), but fetches pages with urllib,
which resolves through the system resolver (``socket.getaddrinfo``), where the world's names do
not exist. This wrapper answers ``getaddrinfo`` for names from the same NSD (dnspython), so
dnstwist fetches exactly what typorisk fetches; nothing else about dnstwist changes.

Usage: ``python dnstwist_world.py DNS_IP -- DNSTWIST_ARGS...``
"""

from __future__ import annotations

import socket
import sys
from ipaddress import ip_address
from typing import Any

import dns.exception
import dns.resolver

_real = socket.getaddrinfo


def _world_getaddrinfo(server: str) -> Any:
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [server]

    def getaddrinfo(host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0,
                    flags: int = 0) -> Any:  # fmt: skip
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ip_address(name)
        except ValueError:
            pass
        else:
            return _real(host, port, family, type, proto, flags)
        try:
            answers = resolver.resolve(name, "A")
        except dns.exception.DNSException as exc:
            raise socket.gaierror(socket.EAI_NONAME, f"{name}: {exc}") from exc
        number = int(port) if port not in (None, "") else 0
        kind = type or socket.SOCK_STREAM
        return [(socket.AF_INET, kind, proto or 6, "", (a.address, number)) for a in answers]

    return getaddrinfo


def main() -> int:
    server = sys.argv[1]
    rest = sys.argv[sys.argv.index("--") + 1 :]
    socket.getaddrinfo = _world_getaddrinfo(server)
    import dnstwist  # after the patch, as its CLI would import it

    sys.argv = ["dnstwist", *rest]
    return int(dnstwist.run() or 0)


if __name__ == "__main__":
    sys.exit(main())

"""Fixtures for ``typorisk serve``: a feed that ``typorisk run`` really ran (offline), a test
certificate authority (``cryptography``), and a ``typorisk serve`` process stopped by its PID."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.resolve.servers import free_port
from typorisk.cli import main

FEED = """\
feed: edl
targets: [pentagon.mil, {domain: army.mil, top: 30}]
scan: {top: 40}
outputs:
  - {format: list, path: out/typo-edl.txt}
  - {format: rpz, path: out/typo.rpz}
  - {format: csv, path: out/typo.csv}
  - {format: stix, path: out/typo.stix.json}
  - {format: misp, path: out/misp}
"""


def write_and_run(directory: Path, text: str = FEED) -> Path:
    """Write the feed definition into ``directory`` and run it with the CLI; returns its path."""
    path = directory / "edl.yaml"
    path.write_text(text)
    assert main(["run", str(path)]) == 0
    return path


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    """A feed definition that ``typorisk run`` has run (its outputs under ``tmp_path/out``)."""
    return write_and_run(tmp_path)


def require_curl() -> str:
    """curl's path: skipped when missing, a failure when ``CI`` is set (.ci/run installs it)."""
    found = shutil.which("curl")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("curl is not installed (apt-get install curl)")
        pytest.skip("curl is not installed")
    return found


@dataclass(frozen=True)
class TestCA:
    """A certificate authority and one server certificate for 127.0.0.1 signed by it."""

    ca: Path
    cert: Path
    key: Path


def make_ca(directory: Path) -> TestCA:
    """A fresh CA and a server certificate for ``localhost``/127.0.0.1, as PEM files."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "typorisk test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    out = TestCA(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    out.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return out


@dataclass
class Served:
    """A running ``typorisk serve`` process."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path


@pytest.fixture
def serve_process(tmp_path: Path) -> Iterator[object]:
    """A factory: ``serve_process(feed_path, *flags)`` starts ``typorisk serve`` on a free port
    and waits for ``/healthz``; every process started is stopped by its PID afterwards."""
    started: list[subprocess.Popen[bytes]] = []

    def start(
        feed: Path,
        *flags: str,
        scheme: str = "http",
        ca: Path | None = None,
        nofile: int | None = None,
    ) -> Served:
        """``nofile``: the open-file limit (soft and hard) of the server process."""
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        argv = [sys.executable, "-m", "typorisk", "serve", str(feed), "--listen"]
        if nofile is not None:  # as a user would: ulimit -n, then exec (same PID)
            argv = ["sh", "-c", f'ulimit -n {nofile} && exec "$@"', "sh", *argv]
        process = subprocess.Popen(
            [*argv, f"127.0.0.1:{port}", *flags],
            stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),
        )
        started.append(process)
        base = f"{scheme}://127.0.0.1:{port}"
        _wait_healthy(base, process, log, ca)
        return Served(process, base, log)

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path, ca: Path | None) -> None:
    import ssl

    context = ssl.create_default_context(cafile=str(ca)) if ca else None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited {process.returncode}: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1, context=context) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"serve did not come up: {log.read_text()}")


def curl(*argv: str) -> tuple[int, dict[str, str], bytes]:
    """Run curl (``-s -i``) and return (status, headers with lower-case names, body)."""
    done = subprocess.run(
        [require_curl(), "-s", "-i", "--max-time", "10", *argv],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def transcript(calls: Sequence[tuple[str, int]]) -> str:
    """A short transcript (request → status) for the test's output."""
    return "\n".join(f"{status}  {what}" for what, status in calls)

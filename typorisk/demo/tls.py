"""A certificate for the demo's collector MX, made at start (``cryptography``): so the probe's
STARTTLS path, and its certificate facts, show in the demo's rows. SYNTHETIC, never trusted."""

from __future__ import annotations

import datetime as dt
import ssl
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ISSUER = "Demo Free CA (SYNTHETIC)"
AGE_DAYS = 4
"""The certificate was issued this many days before the demo runs (a fresh certificate is
a sign of a new operation)."""


def server_context(names: tuple[str, ...]) -> ssl.SSLContext:
    """A TLS server context with a certificate for ``names``, issued by :data:`ISSUER`
    :data:`AGE_DAYS` days ago (self-signed by a throwaway CA key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    key = ec.generate_private_key(ec.SECP256R1())
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=AGE_DAYS, hours=1))
        .not_valid_after(now + dt.timedelta(days=86))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory(prefix="typorisk-demo-tls-") as where:
        chain, key_path = Path(where) / "cert.pem", Path(where) / "key.pem"
        chain.write_bytes(cert.public_bytes(pem))
        key_path.write_bytes(
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        context.load_cert_chain(chain, key_path)  # the stdlib loads certificates from files only
    return context

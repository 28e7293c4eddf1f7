"""STARTTLS for the probe: the client context, and what a mail server's certificate says.

The probe records a certificate, it does not trust it: a typo domain's MX is as likely to show a
self-signed or expired certificate as a valid one, and that is a fact worth keeping (a
certificate issued two days ago for twenty look-alike names is evidence). So the context does
not verify the chain or the name; :func:`certificate_facts` reads the DER the server sent with
``cryptography`` (the stdlib returns no parsed certificate for an unverified peer).
"""

from __future__ import annotations

import datetime as dt
import ssl
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

MAX_NAMES = 50
"""At most this many certificate names are kept (shared hosting certificates list hundreds)."""


@dataclass(frozen=True, slots=True)
class CertFacts:
    """What a server certificate says, as sent (not verified)."""

    issuer: str | None
    """The issuer's common name, else its organisation."""
    names: tuple[str, ...]
    """DNS names of the subject alternative name extension (else the subject's common name),
    lowercase, in certificate order, at most :data:`MAX_NAMES`."""
    age_days: int | None
    """Whole days from ``notBefore`` to the probe's clock (negative: not yet valid)."""


def client_context() -> ssl.SSLContext:
    """A TLS client context that completes a handshake with any certificate (see the module
    docstring): TLS 1.2 or later, no chain or host name check."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return text.strip()[:200] or None


def certificate_facts(der: bytes, now: dt.datetime) -> CertFacts:
    """Facts of a DER certificate at ``now`` (aware, UTC). Pure. Raises ``ValueError`` when
    ``der`` is not a certificate."""
    cert = x509.load_der_x509_certificate(der)
    issuer = _attribute(cert.issuer, NameOID.COMMON_NAME) or _attribute(
        cert.issuer, NameOID.ORGANIZATION_NAME
    )
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = [n.lower() for n in san.value.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        common = _attribute(cert.subject, NameOID.COMMON_NAME)
        names = [common.lower()] if common else []
    age = (now - cert.not_valid_before_utc).days
    return CertFacts(issuer, tuple(dict.fromkeys(names))[:MAX_NAMES], age)

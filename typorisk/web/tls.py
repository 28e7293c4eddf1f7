"""TLS facts from a server's leaf certificate (DER), parsed with ``cryptography``. Pure.

A phishing kit's certificate is usually days old (ACME issues one the hour the name is bought),
names only the look-alike, and is sometimes self-signed; a brand's defensive registration often
carries a certificate that also names the brand's own domain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtensionOID, NameOID

from typorisk.kit.text import clean


@dataclass(frozen=True, slots=True)
class CertFacts:
    """What a leaf certificate says."""

    issuer: str
    """The issuer's organisation (else its common name, else the whole name), cleaned of
    control and bidi characters, at most 200 characters."""
    not_before: dt.datetime
    """Start of validity (UTC)."""
    age_days: int
    """Whole days from ``not_before`` to the scan's clock; negative when ``not_before`` is in
    the future (a certificate not yet valid: flagged as such, never counted as fresh)."""
    names: tuple[str, ...]
    """DNS names of the subjectAltName (lowercase), else the subject's common name; control
    and bidi characters removed (:func:`typorisk.kit.text.clean`), as in :attr:`issuer`."""
    covers_target: bool
    """A name equals the target's domain, is a subdomain of it, or is a wildcard over it."""
    self_signed: bool
    """Issuer equals subject and the signature verifies with the certificate's own key."""
    sha256: str = ""
    """SHA-256 fingerprint of the certificate (DER), lowercase hex: the same certificate on
    several look-alikes was ordered by one party."""


def cert_facts(der: bytes, target: str, now: dt.datetime) -> CertFacts | None:
    """Facts of the certificate ``der`` for ``target`` (lowercase A-label) at ``now`` (aware,
    UTC); ``None`` when ``der`` is not a certificate."""
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None
    names = _names(cert)
    not_before = cert.not_valid_before_utc
    return CertFacts(
        issuer=_issuer(cert),
        not_before=not_before,
        age_days=(now - not_before).days,
        names=names,
        covers_target=any(_covers(n, target) for n in names),
        self_signed=_self_signed(cert),
        sha256=hashlib.sha256(der).hexdigest(),
    )


def _names(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
        found = san.value.get_values_for_type(x509.DNSName)  # type: ignore[attr-defined]
        names = {clean(str(n).lower().rstrip(".")) for n in found}
    except x509.ExtensionNotFound:
        common = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        names = {clean(str(a.value).lower()) for a in common}
    return tuple(sorted(n for n in names if n))


def _issuer(cert: x509.Certificate) -> str:
    for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
        found = cert.issuer.get_attributes_for_oid(oid)
        if found:
            return clean(str(found[0].value)) or "?"
    return clean(cert.issuer.rfc4514_string()) or "?"


def _covers(name: str, target: str) -> bool:
    bare = name.removeprefix("*.")
    return bare == target or bare.endswith("." + target)


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True

"""Every DNS name of a leaf certificate or precertificate TBS, as lowercase A-labels.

Certificates are parsed with ``cryptography``. A precertificate entry carries a bare
``TBSCertificate``, which ``cryptography`` cannot load; it is wrapped here into a syntactically
complete ``Certificate`` (``SEQUENCE { tbs, signatureAlgorithm, BIT STRING '' }``, the algorithm
copied from the TBS's own ``signature`` field) and loaded like any certificate. Chosen over a
hand-written DER walk of the extensions because then every name is read by the same maintained
parser (SAN GeneralNames, the subject's CN, duplicate-extension checks); the hand-rolled part is
the DER header of one SEQUENCE and a skip over two TBS fields. The dummy signature is never
checked: CT monitoring reads names, it does not validate chains.

Names: every ``dNSName`` of the subjectAltName extension, then every CN of the subject,
lowercased, without a trailing dot, a leading ``*.`` removed (a wildcard names the domain it
covers), U-labels converted to A-labels (UTS #46), deduplicated in order. A value that is still
not an LDH host name (``Example Corp`` as a CN, ``a..b``) is counted in ``invalid``, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass

import idna
from cryptography import x509
from cryptography.x509.oid import NameOID

from typorisk.parse.names import is_ldh_name


@dataclass(frozen=True, slots=True)
class CertNames:
    """The names of one certificate."""

    names: tuple[str, ...]
    """Lowercase A-labels, no trailing dot, no ``*.``, each once, SAN order then CN."""
    invalid: int
    """SAN dNSNames and CNs that are not host names (skipped)."""


def names_from_certificate(der: bytes) -> CertNames:
    """The DNS names of a DER X.509 certificate. Raises ValueError when it does not parse."""
    try:
        cert = x509.load_der_x509_certificate(der)
        return _names(cert)
    except (
        ValueError,
        x509.DuplicateExtension,
        x509.UnsupportedGeneralNameType,
        x509.InvalidVersion,  # a version field the DER carries but X.509 has not (found by fuzzing)
    ) as exc:
        raise ValueError(f"certificate does not parse: {exc}") from exc


def names_from_tbs(tbs: bytes) -> CertNames:
    """The DNS names of a DER TBSCertificate (a precertificate log entry)."""
    return names_from_certificate(certificate_from_tbs(tbs))


def _names(cert: x509.Certificate) -> CertNames:
    raw: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        raw.extend(san.value.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        pass
    for attr in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        value = attr.value
        raw.append(value if isinstance(value, str) else value.decode("latin-1"))
    names: dict[str, None] = {}
    invalid = 0
    for value in raw:
        name = normalise_name(value)
        if name is None:
            invalid += 1
        else:
            names[name] = None
    return CertNames(tuple(names), invalid)


def normalise_name(value: str) -> str | None:
    """A SAN or CN value as a lowercase A-label host name, or ``None`` when it is not one."""
    name = value.strip().lower().rstrip(".")
    if name.startswith("*."):
        name = name[2:]
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return None
    return name if is_ldh_name(name) else None


def _header(tag: int, length: int) -> bytes:
    """A DER tag and definite length."""
    if length < 0x80:
        return bytes((tag, length))
    size = (length.bit_length() + 7) // 8
    return bytes((tag, 0x80 | size)) + length.to_bytes(size, "big")


def _element(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of element) of the DER element at ``pos``."""
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        size = first & 0x7F
        if not 1 <= size <= 4 or pos + size > len(data):
            raise ValueError("unsupported DER length")
        length = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    if pos + length > len(data):
        raise ValueError("DER element runs past the end")
    return tag, pos, pos + length


def certificate_from_tbs(tbs: bytes) -> bytes:
    """Wrap a DER TBSCertificate into a DER Certificate with an empty signature (see the module
    docstring). Raises ValueError when ``tbs`` is not a SEQUENCE with its first fields."""
    tag, pos, end = _element(tbs, 0)
    if tag != 0x30 or end != len(tbs):
        raise ValueError("a TBSCertificate must be one DER SEQUENCE")
    tag, _, after = _element(tbs, pos)
    if tag == 0xA0:  # [0] EXPLICIT version
        pos = after
        tag, _, after = _element(tbs, pos)
    if tag != 0x02:
        raise ValueError("TBSCertificate has no serialNumber")
    tag, _, alg_end = _element(tbs, after)
    if tag != 0x30:
        raise ValueError("TBSCertificate has no signature AlgorithmIdentifier")
    algorithm = tbs[after:alg_end]
    body = tbs + algorithm + b"\x03\x01\x00"  # BIT STRING, 0 unused bits, no signature bytes
    return _header(0x30, len(body)) + body

"""Parse and normalise targets: what a person types after ``@`` or in a browser.

Accepts ``army.mil``, ``us.corp.com``, ``corp.co.uk``, ``user@army.mil``,
``https://www.example.com/path``, Unicode IDNs (``bücher.de``), uppercase and a trailing dot.
Splitting uses the one Public Suffix List engine, :mod:`typorisk.parse.psl`, on the snapshot
shipped with typorisk (never a network fetch, never a cache write): targets and candidates are
split by the same code. Output is always a lowercase A-label (IDNA 2008 with
UTS #46 mapping for user input).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

import idna

from typorisk.errors import InvalidTargetError
from typorisk.model import Target
from typorisk.parse.names import MAX_NAME, label_problem
from typorisk.parse.psl import load_psl

_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def _host_of(text: str) -> str:
    """The host part of an e-mail address, a URL or a bare name."""
    if "://" in text:
        try:
            host = urlsplit(text).hostname
        except ValueError as exc:
            raise InvalidTargetError(text, f"not a valid URL ({exc})") from exc
        if not host:
            raise InvalidTargetError(text, "the URL has no host name")
        return host
    if "@" in text:
        return text.rpartition("@")[2]
    return text.partition("/")[0]


def _check_not_ip(text: str, host: str) -> None:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return
    raise InvalidTargetError(text, "an IP address, not a domain name; give the domain instead")


def _to_alabel(text: str, host: str) -> str:
    """Lowercase A-label of ``host`` (IDNA 2008 + UTS #46), or InvalidTargetError."""
    if host.isascii():
        ascii_host = host.lower()
        for label in ascii_host.split("."):
            _check_label(text, label)
        if "xn--" in ascii_host:
            try:
                idna.decode(ascii_host)
            except idna.IDNAError as exc:
                raise InvalidTargetError(text, f"invalid punycode label ({exc})") from exc
        return ascii_host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise InvalidTargetError(text, f"not a valid internationalised name ({exc})") from exc


def _check_label(text: str, label: str) -> None:
    problem = label_problem(label)
    if problem:
        raise InvalidTargetError(text, problem)


def parse_target(text: str) -> Target:
    """Parse one user-supplied target into a :class:`Target`.

    Raises :class:`InvalidTargetError` (one line naming the input and what is wrong) for empty
    input, spaces or control characters, ``_``, labels over 63 or names over 253 octets, IP
    addresses, invalid IDNs, an unknown suffix, or a bare public suffix such as ``co.uk``.
    """
    stripped = text.strip()
    if not stripped:
        raise InvalidTargetError(text, "empty; give a domain such as example.com")
    if _SPACE_OR_CONTROL.search(stripped):
        raise InvalidTargetError(text, "contains spaces or control characters; give one domain")
    host = _host_of(stripped)
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise InvalidTargetError(text, "no domain name found")
    _check_not_ip(text, host)
    fqdn = _to_alabel(text, host)
    if len(fqdn) > MAX_NAME:
        raise InvalidTargetError(text, f"the name is {len(fqdn)} octets long; the limit is 253")
    psl = load_psl()
    split = psl.split(fqdn)
    if split is None:
        if fqdn in psl.nodes or psl.is_suffix(fqdn):
            raise InvalidTargetError(
                text,
                f"'{fqdn}' is a public suffix itself; give a registrable domain such as "
                f"example.{fqdn}",
            )
        tld = fqdn.rpartition(".")[2]
        raise InvalidTargetError(
            text,
            f"'.{tld}' is not a known public suffix (Public Suffix List); check the spelling",
        )
    registrable, suffix = split
    return Target(
        text=text,
        fqdn=fqdn,
        subdomain=fqdn[: -len(registrable)].rstrip("."),
        label=registrable.partition(".")[0],
        suffix=suffix,
        unicode=to_unicode(fqdn),
    )


def to_unicode(name: str) -> str:
    """Display form of an A-label name; the name itself when it cannot be decoded."""
    if "xn--" not in name:
        return name
    try:
        return str(idna.decode(name))
    except (idna.IDNAError, UnicodeError):
        return name


def iter_targets(texts: Iterable[str]) -> Iterator[Target | InvalidTargetError]:
    """Parse many targets lazily: a bad one yields its error and the rest go on.

    Blank lines and ``#`` comments are skipped (so a targets file can be commented).
    """
    for text in texts:
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            yield parse_target(stripped)
        except InvalidTargetError as exc:
            yield exc

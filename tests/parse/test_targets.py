"""Target parsing: what users paste becomes a normalised Target, or one clear error."""

from __future__ import annotations

import pytest

from typorisk.errors import InvalidTargetError
from typorisk.parse.psl import load_psl
from typorisk.parse.targets import iter_targets, parse_target


@pytest.mark.parametrize(
    ("text", "fqdn", "subdomain", "label", "suffix"),
    [
        ("army.mil", "army.mil", "", "army", "mil"),
        ("us.corp.com", "us.corp.com", "us", "corp", "com"),
        ("corp.co.uk", "corp.co.uk", "", "corp", "co.uk"),
        ("user@army.mil", "army.mil", "", "army", "mil"),
        ("https://www.example.com/path?q=1", "www.example.com", "www", "example", "com"),
        ("http://user:pw@mail.example.org:8080/", "mail.example.org", "mail", "example", "org"),
        ("bücher.de", "xn--bcher-kva.de", "", "xn--bcher-kva", "de"),
        ("BÜCHER.DE", "xn--bcher-kva.de", "", "xn--bcher-kva", "de"),
        ("EXAMPLE.COM.", "example.com", "", "example", "com"),
        ("  pentagon.mil  ", "pentagon.mil", "", "pentagon", "mil"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de", "", "xn--bcher-kva", "de"),
        ("x.com.bd", "x.com.bd", "", "x", "com.bd"),
        ("a-b.co.jp", "a-b.co.jp", "", "a-b", "co.jp"),
    ],
)
def test_valid_targets_are_normalised(
    text: str, fqdn: str, subdomain: str, label: str, suffix: str
) -> None:
    target = parse_target(text)
    assert (target.fqdn, target.subdomain, target.label, target.suffix) == (
        fqdn,
        subdomain,
        label,
        suffix,
    )
    assert target.registrable == f"{label}.{suffix}"
    assert target.text == text


def test_unicode_form_is_for_display() -> None:
    target = parse_target("bücher.de")
    assert target.unicode == "bücher.de"
    assert target.fqdn.isascii()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("exa mple.com", "spaces"),
        ("foo_bar.com", "'_'"),
        ("a" * 64 + ".com", "longer than 63"),
        (".".join(["abcdefghi"] * 26) + ".com", "253"),
        ("192.0.2.1", "IP address"),
        ("[2001:db8::1]", "IP address"),
        ("example.notatld", "not a known public suffix"),
        ("co.uk", "public suffix itself"),
        ("com", "public suffix itself"),
        ("a..com", "empty label"),
        ("-a.com", "letters, digits"),
        ("a-.com", "letters, digits"),
        ("xn--zz.com", "punycode"),
        ("exa\x00mple.com", "control"),
        ("http:///nohost", "no host"),
        ("ex!ample.com", "letters, digits"),
    ],
)
def test_invalid_targets_say_what_is_wrong(text: str, needle: str) -> None:
    with pytest.raises(InvalidTargetError) as info:
        parse_target(text)
    message = str(info.value)
    assert needle in message
    assert "\n" not in message
    assert message.startswith("invalid target ")


def test_batch_keeps_going_past_bad_lines() -> None:
    items = list(iter_targets(["army.mil", "# comment", "", "bad_name.com", "navy.mil"]))
    assert [type(x).__name__ for x in items] == ["Target", "InvalidTargetError", "Target"]


@pytest.mark.parametrize(
    "name",
    ["army.mil", "a.b.corp.co.uk", "x.com.bd", "foo.kawasaki.jp", "city.kawasaki.jp", "a.b.ck"],
)
def test_tldextract_and_psl_agree(name: str) -> None:
    """The engine's PSL matcher and tldextract (used for targets) must split names alike."""
    split = load_psl().split(name)
    try:
        target = parse_target(name)
    except InvalidTargetError:
        assert split is None
        return
    assert split == (target.registrable, target.suffix)

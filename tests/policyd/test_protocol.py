"""The policy decision and the protocol helpers: tables, no sockets."""

from __future__ import annotations

import pytest

from typorisk.errors import PolicyConfigError
from typorisk.match import TYPO_RULES, Matcher, MatchSettings, build_matcher
from typorisk.policyd import Policy, decide, format_reply, parse_actions, parse_request


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return build_matcher(["pentagon.mil"], MatchSettings(top=300, rules=TYPO_RULES))


def req(recipient: str, **extra: str) -> dict[str, str]:
    return {
        "request": "smtpd_access_policy",
        "protocol_state": "RCPT",
        "recipient": recipient,
    } | extra


@pytest.mark.parametrize(
    ("attrs", "action", "level"),
    [
        (req("a@pentagon.ml"), "REJECT 5.7.1 pentagon.ml looks like a typo of pentagon.mil; "
         "check the recipient address", "high"),
        (req("a@MAIL.PENTAGON.ML"), "REJECT", "high"),
        (req("a@pentagon.mil"), "DUNNO", ""),
        (req("a@gmail.com"), "DUNNO", ""),
        (req("a@pemtagkn.mil"), "WARN", "low"),  # two edits, no operator: distance check
        (req(""), "DUNNO", ""),  # MAIL FROM stage: no recipient yet
        (req("postmaster"), "DUNNO", ""),
        ({"request": "junk", "recipient": "a@pentagon.ml"}, "DUNNO", ""),
        ({"recipient": "a@pentagon.ml"}, "DUNNO", ""),
    ],
)  # fmt: skip
def test_decide(matcher: Matcher, attrs: dict[str, str], action: str, level: str) -> None:
    decision = decide(attrs, matcher, Policy())
    assert decision.action.startswith(action) and decision.level == level
    assert "\n" not in decision.action


def test_a_label_typo_under_an_unrelated_suffix_holds_no_mail() -> None:
    """The matcher reports ``nav.de`` (a generated label of ``navy.mil`` under another suffix):
    not a typo of the address as typed, so no decision; two edits away is only a warning."""
    matcher = build_matcher(["navy.mil", "ibm.com"], MatchSettings(top=300, rules=TYPO_RULES))
    hit = matcher.lookup("nav.de")
    assert hit is not None and hit.likelihood == 0.0 and hit.distance > 2
    assert decide(req("a@nav.de"), matcher, Policy()).action == "DUNNO"
    assert decide(req("a@ibn.co"), matcher, Policy()).action.startswith("WARN ")
    assert decide(req("a@navy.ml"), matcher, Policy()).action.startswith("REJECT ")


def test_medium_level_and_custom_actions(matcher: Matcher) -> None:
    policy = Policy(parse_actions(["medium=REJECT", "high=hold"]), "{recipient} {domain}", 0.5)
    decision = decide(req("a@pentagon.ml"), matcher, policy)  # likelihood 0.0015 < 0.5
    assert decision.level == "medium"
    assert decision.action == "REJECT 5.7.1 a@pentagon.ml pentagon.ml"
    assert decide(req("a@pentagon.ml"), matcher, Policy()).level == "high"
    assert decide(req("a@pentagn.mil"), matcher, Policy(high_likelihood=0.5)).action.startswith(
        "HOLD "
    )


def test_reply_text_is_sanitised(matcher: Matcher) -> None:
    policy = Policy(text="4.7.1 {recipient}")
    action = decide(req("a\x00\u00e9@pentagon.ml"), matcher, policy).action
    assert action == "REJECT 4.7.1 a??@pentagon.ml"
    assert format_reply(decide(req("x@a.com"), matcher, policy)) == b"action=DUNNO\n\n"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"actions": {"high": "BOUNCE"}}, "REJECT, HOLD, WARN or DUNNO"),
        ({"actions": {"severe": "REJECT"}}, "high, medium, low"),
        ({"text": "{nope}"}, "{domain}"),
        ({"high_likelihood": 2.0}, "[0, 1]"),
    ],
)
def test_bad_policy_says_how_to_fix(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyConfigError) as info:
        Policy(**kwargs)  # type: ignore[arg-type]
    assert message.split(",", maxsplit=1)[0] in str(info.value)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([b"request=smtpd_access_policy\n", b"recipient=a=b@c.d\r\n"],
         {"request": "smtpd_access_policy", "recipient": "a=b@c.d"}),
        ([b"empty=\n"], {"empty": ""}),
    ],
)  # fmt: skip
def test_parse_request(lines: list[bytes], expected: dict[str, str]) -> None:
    assert parse_request(lines) == expected


@pytest.mark.parametrize("lines", [[b"no equals\n"], [b"=value\n"], [b"name=\xff\xfe\n"]])
def test_parse_request_rejects_malformed(lines: list[bytes]) -> None:
    with pytest.raises(ValueError):
        parse_request(lines)

"""The suffix policy (who may register where) and what it does to the risk of a free name:
a squatter cannot hold a free ``.mil`` name or anything directly under ``.il``, so neither is a
name to block now; the reason says why."""

from __future__ import annotations

import pytest

from typorisk.errors import DataFileError
from typorisk.parse.suffix_policy import parse_policies, policy_of
from typorisk.rank import Observation, RiskWeights, rank


@pytest.mark.parametrize(
    ("suffix", "policy", "eligible", "who"),
    [
        ("mil", "restricted", "members", "the US Department of Defense"),
        ("gov", "restricted", "members", "US federal, state"),
        ("bank", "restricted", "criteria", "banks"),
        ("il", "closed", "members", "nothing directly under .il"),
        ("apple", "closed", "members", "only Apple Inc. registers there: a .brand TLD"),
        ("gov.uk", "restricted", "members", "the government of .uk"),
        ("ac.uk", "restricted", "criteria", "academic institutions of .uk"),
        ("idf.il", "restricted", "members", "Israel Defense Forces"),
        ("eu", "presence", "criteria", "EU/EEA"),
        ("com", "open", "criteria", ""),
        ("ml", "open", "criteria", ""),
        ("co.uk", "open", "criteria", ""),
    ],
)
def test_shipped_policies(suffix: str, policy: str, eligible: str, who: str) -> None:
    found = policy_of(suffix)
    assert (found.policy, found.eligible) == (policy, eligible)
    assert who in found.who
    assert bool(found.source) is (policy != "open")


def test_eligibility_of_an_organisation_by_its_own_suffixes() -> None:
    mil, bank, il, com = (policy_of(s) for s in ("mil", "bank", "il", "com"))
    assert mil.eligible_for(["mil", "com"]) is True  # army.mil may register arm.mil
    assert mil.eligible_for(["com"]) is False  # a company cannot register under .mil
    assert bank.eligible_for(["com"]) is None  # a bank might: "only if you are eligible"
    assert il.eligible_for(["mil"]) is False and com.eligible_for([]) is True


def test_a_bad_policy_file_names_the_entry() -> None:
    with pytest.raises(DataFileError, match="'mil' has policy 'maybe'"):
        parse_policies('{"suffixes": {"mil": {"policy": "maybe"}}}')
    with pytest.raises(DataFileError, match="not JSON"):
        parse_policies("{")


def _free(domain: str, suffix: str) -> Observation:
    return Observation(
        target="army.mil",
        domain=domain,
        suffix=suffix,
        likelihood=3e-3,
        kinds=("omission",),
        registration="unregistered",
        mail="none",
        weight=2.0,
    )


def test_free_names_under_restricted_or_closed_suffixes_are_not_block_now() -> None:
    """The demo's army.mil: before, 44 free ``.mil`` typos were "block now" (0.50–0.62)."""
    found = {r.obs.domain: r for r in rank([_free("arm.mil", "mil"), _free("army.il", "il"),
                                            _free("armyy.com", "com")]).ranked}  # fmt: skip
    open_risk = found["armyy.com"].risk
    assert open_risk >= 0.5  # an open suffix: a squatter can buy it, block it now
    assert found["arm.mil"].risk < 0.5 and found["army.il"].risk < found["arm.mil"].risk
    assert (
        "restricted suffix .mil (only the US Department of Defense)"
        in (found["arm.mil"].reasons[1])
    )
    assert "closed suffix .il" in found["army.il"].reasons[1]
    assert "block before a squatter buys it" not in " ".join(found["arm.mil"].reasons)
    assert found["arm.mil"].contributions["registration"] == RiskWeights().restricted_suffix
    # weights are overridable: 1 switches the policy's effect off
    off = RiskWeights(restricted_suffix=1.0, closed_suffix=1.0)
    same = {r.obs.domain: r.risk for r in rank([_free("arm.mil", "mil")], weights=off).ranked}
    assert same["arm.mil"] == pytest.approx(open_risk)


def test_registered_and_unknown_names_are_scored_on_their_facts() -> None:
    held = Observation("army.mil", "amy.mil", "mil", 3e-3, registration="registered", mail="mx",
                       mx=("mx.example",))  # fmt: skip
    (ranked,) = rank([held]).ranked
    assert ranked.contributions["registration"] == 1.0
    assert not any("suffix .mil" in r for r in ranked.reasons)

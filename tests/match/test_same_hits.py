"""One list, one answer: ``watch nrd`` and ``match --bare-domains`` report the same look-alikes,
with the same target and rule, because both ask the one matcher."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from typorisk.cli import main

TARGETS = ("paypal.com", "pentagon.mil", "example.co.uk", "ibm.com")
PLANTED = [
    "paypa1.com",  # candidate
    "pentagon.ml",  # candidate (suffix typo)
    "exampel.co.uk",  # candidate
    "xn--pypal-4ve.com",  # skeleton (Cyrillic а)
    "rnicrosoft-ibm.com",  # combo of a short brand between separators
    "paypal-login.net",  # combo under another suffix
    "secure-paypal.com",  # combo
    "pentagon-mil.com",  # folded
    "www-example-co-uk.org",  # folded
    "pentagnoo.mil",  # distance 2
    "paypall.shop",  # a typo label under another suffix
    "pentaxgon.ml",  # distance 1 under another suffix
]
WORDS = ["blue", "river", "garden", "shop", "weather", "correction", "another", "stone", "cloud"]


def nrd_list(path: Path) -> None:
    rnd = random.Random(4)
    names = [
        f"{rnd.choice(WORDS)}{rnd.choice(('', '-'))}{rnd.choice(WORDS)}{rnd.randint(0, 99)}."
        f"{rnd.choice(('com', 'net', 'org', 'xyz', 'co.uk', 'de'))}"
        for _ in range(2000)
    ]
    for name in PLANTED:
        names.insert(rnd.randrange(len(names) + 1), name)
    path.write_text("\n".join(names) + "\n", encoding="utf-8")


def test_watch_nrd_and_match_bare_domains_give_the_same_hits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = tmp_path / "nrd.txt"
    nrd_list(listed)
    flags = [arg for t in TARGETS for arg in ("--target", t)] + ["--top", "100"]
    assert main(["watch", "nrd", str(listed), "--db", str(tmp_path / "w.db"), *flags,
                 "--format", "jsonl"]) == 3  # fmt: skip
    watched = {
        r["domain"]: (r["target"], r["rule"])
        for r in map(json.loads, capsys.readouterr().out.splitlines())
    }
    assert main(["match", "--bare-domains", str(listed), *flags, "--format", "jsonl"]) == 3
    matched = {
        r["domain"]: (r["target"], r["match"])
        for r in map(json.loads, capsys.readouterr().out.splitlines())
    }
    assert set(PLANTED) <= set(watched)
    assert matched == watched

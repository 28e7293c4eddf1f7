"""A feed with a ``watch:`` section lists the look-alikes ``typorisk watch`` stored."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from typorisk.errors import FeedSpecError, TyporiskError
from typorisk.feeds.run import run_feed
from typorisk.feeds.spec import load_feed
from typorisk.store import Store, WatchHit

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
FEED = """feed: w
targets: [paypal.com]
scan: {top: 5}
allowlist: [paypal-allowed.net]
watch: {store: w.db, since_days: 7, min_score: 0.5}
outputs:
  - {format: jsonl, path: out/w.jsonl}
  - {format: list, path: out/w.txt}
"""


def hit(domain: str, score: float = 0.9, target: str = "paypal.com") -> WatchHit:
    return WatchHit(domain, target, domain, "combo", score, False, "paypal+login")


def test_watch_hits_join_the_feed(tmp_path: Path) -> None:
    (tmp_path / "feed.yaml").write_text(FEED)
    with Store(tmp_path / "w.db") as store:
        store.record_watch("nrd:x", [hit("paypal-login.net"), hit("paypal-allowed.net")], None,
                           "2026-11-30T10:00:00+00:00")  # fmt: skip
        store.record_watch("nrd:x", [hit("paypal-old.net")], None, "2026-11-01T10:00:00+00:00")
        store.record_watch("nrd:x", [hit("paypal-weak.net", 0.3), hit("ibm-x.com", 1.0, "ibm.com")],
                           None, "2026-11-30T10:00:00+00:00")  # fmt: skip
    report = run_feed(load_feed(tmp_path / "feed.yaml"), now=NOW)
    rows = [json.loads(line) for line in (tmp_path / "out/w.jsonl").read_text().splitlines()]
    watched = {r["domain"]: r for r in rows if r["kinds"][0].startswith("watch-")}
    assert set(watched) == {"paypal-login.net"}  # too old, too weak, allowlisted, other target
    assert watched["paypal-login.net"]["kinds"] == ["watch-combo"]
    assert "paypal-login.net" in (tmp_path / "out/w.txt").read_text().split()
    assert report.allowlisted == {"paypal-allowed.net"}
    assert len(rows) > 1  # the generated candidates are still there


def test_watch_section_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "feed.yaml"
    path.write_text(FEED.replace("since_days: 7", "since_days: 0, colour: red"))
    with pytest.raises(FeedSpecError) as caught:
        load_feed(path)
    text = str(caught.value)
    assert "since_days" in text and "colour" in text
    path.write_text(FEED)
    with pytest.raises(TyporiskError, match="does not exist"):
        run_feed(load_feed(path), now=NOW)

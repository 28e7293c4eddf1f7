"""The shipped defence feed, run offline: no established domain (``mail.com``, ``navy.com``) in
its blocking outputs, the confirm-the-recipient lists name them, and ``block_anyway:`` puts one
back in the blocklists."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from typorisk.feeds.run import run_feed
from typorisk.feeds.spec import load_feed

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)


def _run(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "defence-mil.yaml"
    path.write_text(text)
    run_feed(load_feed(path), now=NOW)
    return tmp_path / "out" / "defence-mil"


def test_defence_feed_blocks_no_established_domain(tmp_path: Path) -> None:
    out = _run(tmp_path, (ROOT / "feeds" / "defence-mil.yaml").read_text())
    rpz = (out / "typo.rpz").read_text()
    access = (out / "typo_recipients").read_text()
    for name in ("mail.com", "navy.com"):
        assert f"\n{name} " not in rpz and f"\n*.{name} " not in rpz
        assert f"\n{name} WARN {name} is an outside domain that looks like" in access
        assert f"\n{name} " not in (out / "typo_transport").read_text()
        assert f"\n{name}\n" not in (out / "typo_domains.list").read_text()
    assert "\npentagon.ml CNAME .\n" in rpz  # the squattable typos are still blocked
    warn = {r["Domain"]: r for r in csv.DictReader((out / "lookalike_warn.csv").open())}
    assert warn["mail.com"]["Target"] == "mail.mil" and "navy.com" in warn
    assert "\nmail.com WARN " in (out / "lookalike_warn").read_text()
    assert "mail.com" not in (out / "typo.stix.json").read_text().replace("mail.com:", "")


def test_block_anyway_in_the_feed(tmp_path: Path) -> None:
    text = (ROOT / "feeds" / "defence-mil.yaml").read_text()
    text = text.replace("# block_anyway:", "block_anyway:").replace(
        "#   - example-established.com", "  - navy.com"
    )
    out = _run(tmp_path, text)
    rpz = (out / "typo.rpz").read_text()
    assert "\nnavy.com CNAME .\n*.navy.com CNAME .\n" in rpz and "\nmail.com " not in rpz

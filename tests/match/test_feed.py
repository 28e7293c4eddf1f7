"""``match --feed`` matches against the feed's own candidate set (the one scan pipeline, with
the feed's kinds and per-target top), so a log is checked against exactly what the feed blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from typorisk.cli import main
from typorisk.permute import permute


def test_match_with_a_feed_uses_the_feeds_candidates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "feed.yaml"
    feed.write_text(
        "feed: t\ntargets: [{domain: pentagon.mil, top: 3}]\nscan: {kinds: [suffix]}\n"
        "outputs: [{format: list, path: out.txt}]\n",
        encoding="utf-8",
    )
    expected = [c.domain for c in permute(["pentagon.mil"], kinds=["suffix"], top=3)]
    log = tmp_path / "mail.log"
    log.write_text(
        f"Dec  1 10:00:00 mx postfix/smtp[1]: 4A2: to=<a@{expected[0]}>, relay=none, status=sent\n",
        encoding="utf-8",
    )
    code = main(["match", str(log), "--feed", str(feed), "--format", "jsonl"])
    out, err = capsys.readouterr()
    assert code == 3, err
    assert expected[0] in out
    assert f"{len(expected)} candidates for 1 target(s)" in err

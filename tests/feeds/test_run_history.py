"""``typorisk run`` with a history store: the ``history:``/``review:`` keys and the flags."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from typorisk.cli import main
from typorisk.errors import FeedSpecError
from typorisk.feeds.spec import load_feed

FEED = """\
feed: mine
targets: [army.mil]
scan: {top: 20}
outputs: [{format: list, path: out/typo.txt}]
"""


def runs(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT feed, status FROM runs ORDER BY id"))


def observations(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0])


def test_history_and_review_keys_record_and_review_each_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "feed.yaml"
    feed.write_text(FEED + "history: state/h.db\nreview: state/review\n")
    assert main(["run", str(feed)]) in (0, 3)
    assert main(["run", str(feed)]) == 0  # the same candidates again: nothing new
    db = tmp_path / "state" / "h.db"
    assert runs(db) == [("mine", "complete"), ("mine", "complete")]
    assert observations(db) == 40  # 20 rows a run, as `record` stores them
    assert (tmp_path / "state" / "review" / "review.html").exists()
    assert "recorded in" in capsys.readouterr().err


def test_flags_override_the_keys(tmp_path: Path) -> None:
    feed = tmp_path / "feed.yaml"
    feed.write_text(FEED)
    assert main(["run", str(feed), "--db", str(tmp_path / "x.db")]) == 0
    assert runs(tmp_path / "x.db") == [("mine", "complete")]
    assert not (tmp_path / "review").exists()


def test_a_review_needs_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feed = tmp_path / "feed.yaml"
    feed.write_text(FEED)
    assert main(["run", str(feed), "--review", str(tmp_path / "r")]) == 2
    assert "needs a history store" in capsys.readouterr().err
    feed.write_text(FEED + "review: r\n")
    with pytest.raises(FeedSpecError) as caught:
        load_feed(feed)
    assert "review needs history" in str(caught.value.problems)

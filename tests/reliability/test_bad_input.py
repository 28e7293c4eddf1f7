"""Bad input: every target string becomes a Target or one clear error, never a traceback; the
CLI keeps going past bad lines; writes survive a full disk; ranked rows reject garbage."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from typorisk import permute
from typorisk.cli import main
from typorisk.errors import InvalidTargetError, RankInputError, TyporiskError
from typorisk.parse.psl import load_psl
from typorisk.parse.targets import parse_target
from typorisk.rank import observation_from_row

from ..conftest import Ledger, ledger_row

NASTY = [
    "",
    " ",
    "\t",
    ".",
    "..",
    "a..b.com",
    "-lead.com",
    "trail-.com",
    "_dmarc.example.com",
    "xn--.com",
    "xn--zzzz-.com",
    "xn--a.com",
    "xn--80ak6aa92e.com.",
    "аррӏе.com",
    "paypal.com\u200d",
    "pay\u200bpal.com",
    "\u202eexample.com",
    "exam\u202eple.com",
    "ex\x1b[31mample.com",
    "a" * 64 + ".com",
    ("a" * 63 + ".") * 4 + "com",
    "user@",
    "@example.com",
    "a@b@example.com",
    "https://user:pass@www.example.com:443/p?q#f",
    "http://[::1]/",
    "ftp://example.com",
    "mailto:someone@example.com",
    "javascript:alert(1)",
    "192.168.0.1",
    "::1",
    "1e100",
    "example.com/../../etc/passwd",
    "EXAMPLE.COM.",
    "例え.テスト",
    "ÄÖÜ.de",
    "ß.de",
    "ﬁ.com",
    "Ⅻ.com",
    "ｅｘａｍｐｌｅ.com",
    "\x00",
    "\x7f",
    "%2e%2e.com",
    "x" * 1_000_000,
]


def check(text: str) -> str:
    """'ok' or 'error', and the parsed target's invariants when ok."""
    try:
        target = parse_target(text)
    except InvalidTargetError as exc:
        message = str(exc)
        assert "\n" not in message and "\x1b" not in message and len(message) < 600
        return "error"
    assert target.fqdn.isascii() and target.fqdn == target.fqdn.lower()
    assert load_psl().split(target.registrable) == (target.registrable, target.suffix)
    return "ok"


def test_nasty_corpus(ledger: Ledger) -> None:
    row = ledger.row("target parsing: corpus of nasty inputs")
    outcomes = []
    for text in NASTY:
        with row.case():
            outcomes.append(check(text))
    assert outcomes.count("ok") >= 5  # some are valid after normalisation (EXAMPLE.COM., ÄÖÜ.de)


# Property tests count each example their body runs (hypothesis decides how many run).
RANDOM_TEXT = ledger_row("target parsing: random Unicode (hypothesis)")
RANDOM_BYTES = ledger_row("target parsing: random binary (hypothesis)")
PERMUTED = ledger_row("permute: invariants on arbitrary targets (hypothesis)")
RANK_ROWS = ledger_row("rank: untrusted JSON rows (hypothesis)")


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_random_unicode_never_raises_anything_else(text: str) -> None:
    with RANDOM_TEXT.case():
        check(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_raise_anything_else(data: bytes) -> None:
    with RANDOM_BYTES.case():
        check(data.decode("utf-8", errors="replace"))


labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True).filter(
    lambda s: s[2:4] != "--"
)
suffixes = st.sampled_from(sorted(load_psl().exact)[:400:7])


@settings(max_examples=150, deadline=None)
@given(labels, suffixes)
def test_permutation_invariants_on_arbitrary_targets(label: str, suffix: str) -> None:
    with PERMUTED.case():
        check_permutations(label, suffix)


def check_permutations(label: str, suffix: str) -> None:
    """Permutation is deterministic and yields valid, likely, registrable other names."""
    try:
        target = parse_target(f"{label}.{suffix}")
    except InvalidTargetError:
        return
    first = list(permute([target]))
    assert first == list(permute([target]))  # deterministic
    for c in first:
        assert c.domain != target.registrable and 0.0 < c.likelihood <= 1.0
        assert load_psl().split(c.domain) == (c.domain, c.suffix)


def test_cli_batch_with_garbage_file(tmp_path: Path, ledger: Ledger) -> None:
    with ledger.row("CLI: target file with binary and nasty lines").case():
        cli_batch_with_garbage_file(tmp_path)


def cli_batch_with_garbage_file(tmp_path: Path) -> None:
    """Nasty targets through the CLI: exit 1, one line per bad target, no traceback; a binary
    line makes the file not a target list: exit 2, one line naming it, nothing written."""

    def permute(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "typorisk", "permute", "--file", str(path), "--top", "1",
             "--format", "list"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    path = tmp_path / "targets.txt"
    path.write_bytes(b"army.mil\n" + "\n".join(NASTY[:40]).encode() + b"\n")
    proc = permute(path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "army.mil" not in proc.stdout and proc.stdout.count("\n") >= 2
    assert "\x1b" not in proc.stderr
    path.write_bytes(b"army.mil\n\xff\xfe\x00binary\n" + "\n".join(NASTY[:40]).encode() + b"\n")
    proc = permute(path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == (
        f"typorisk: error: {path}:2: not text (not UTF-8); give a text file, one item a line\n"
    )


def test_an_empty_file_is_an_empty_target_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As no TARGET argument: exit 2 with one line, nothing written (it used to exit 0)."""
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert main(["permute", "--file", str(empty)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "no targets" in err


FULL_DISK = """
import resource, signal, sys
from pathlib import Path
from typorisk.kit.atomic import atomic_write_text
from typorisk.errors import TyporiskError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # a disk that is full after 4 KiB
try:
    atomic_write_text(Path(sys.argv[1]), "x" * 100_000)
except TyporiskError as exc:
    print("error:", exc)
"""


def test_full_disk_keeps_the_previous_file(tmp_path: Path, ledger: Ledger) -> None:
    with ledger.row("output: disk full while writing (RLIMIT_FSIZE)").case():
        full_disk_keeps_the_previous_file(tmp_path)


def full_disk_keeps_the_previous_file(tmp_path: Path) -> None:
    """A write that hits a 4 KiB file-size limit fails loudly and leaves the old file."""
    feed = tmp_path / "feed.txt"
    feed.write_text("previous feed\n")
    proc = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(feed)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.stdout.startswith("error: cannot write") and "old file is kept" in proc.stdout
    assert feed.read_text() == "previous feed\n"
    assert [p.name for p in tmp_path.iterdir()] == ["feed.txt"]  # no temporary file left


def test_output_path_is_a_directory(tmp_path: Path, ledger: Ledger) -> None:
    from typorisk.kit.atomic import atomic_write_text

    (tmp_path / "review.html").mkdir()
    with (
        ledger.row("output: path is a directory").case(),
        pytest.raises(TyporiskError, match="cannot write"),
    ):
        atomic_write_text(tmp_path / "review.html", "x")


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["target", "domain", "likelihood", "mx", "created", "weight", "kinds", "registration"]
        ),
        st.one_of(
            st.none(),
            st.text(max_size=20),
            st.integers(),
            st.floats(),
            st.lists(st.text(max_size=5), max_size=3),
        ),
    )
)
def test_rank_rows_from_untrusted_json(row: dict[str, object]) -> None:
    with RANK_ROWS.case(), contextlib.suppress(RankInputError):
        observation_from_row(json.loads(json.dumps(row)))

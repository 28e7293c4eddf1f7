"""One scan, four ways in: ``typorisk scan``, ``typorisk scan --processes 2`` (the candidates
resolved by two resolver processes), ``typorisk run`` (a feed) and the Dask executor give the
same rows, every column compared, on a real local world (NSD registries and hosting,
Unbound resolving; see ``tests/rank/test_scan_rank.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from typorisk.cli import main
from typorisk.pipeline import servers
from typorisk.pipeline.rows import scan_columns

from ..rank.test_scan_rank import TARGET, resolver  # noqa: F401 - the shared world fixture

TODAY = "2026-11-28"
COMMON = ["--top", "40", "--max-unknown", "0.2", "--today", TODAY, "--timeout", "1"]


def _rows(text: str) -> dict[tuple[str, str], dict[str, object]]:
    rows = [json.loads(line) for line in text.splitlines()]
    by_key = {(str(r["target"]), str(r["domain"])): r for r in rows}
    assert len(by_key) == len(rows), "a (target, domain) pair came out twice"
    return by_key


def _feed(tmp_path: Path, server: str) -> Path:
    host, port = server.rsplit(":", 1)
    text = f"""feed: parity
targets: [{TARGET}]
scan:
  top: 40
  today: "{TODAY}"
  resolve: {{nameservers: ["{host}:{port}"], timeout: 1, max_unknown: 0.2}}
outputs:
  - {{format: jsonl, path: out/rows.jsonl}}
"""
    path = tmp_path / "feed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_scan_run_and_dask_give_identical_rows(
    resolver: str,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pools: list[object] = []
    real_pool = servers.shard_pool

    def recorded(options: object) -> object:  # the real pool, kept to read its statistics
        pools.append(real_pool(options))  # type: ignore[arg-type]
        return pools[-1]

    monkeypatch.setattr(servers, "shard_pool", recorded)
    base = ["scan", TARGET, "--nameserver", resolver, "--format", "jsonl", *COMMON]
    assert main(base) == 0
    local = _rows(capsys.readouterr().out)

    assert main([*base, "--executor", "dask", "--workers", "2", "--batch-size", "8"]) == 0
    dask = _rows(capsys.readouterr().out)

    assert main([*base, "--processes", "2"]) == 0
    captured = capsys.readouterr()
    sharded = _rows(captured.out)
    assert "resolver processes" not in captured.err  # no shard stopped early
    started = [p for p in pools if p is not None]
    assert len(started) == 1, "scan --processes 2 started no resolver processes"
    assert started[0].stats.names == len(sharded)  # type: ignore[attr-defined]

    assert main(["run", str(_feed(tmp_path, resolver))]) == 0
    capsys.readouterr()
    fed = _rows((tmp_path / "out" / "rows.jsonl").read_text(encoding="utf-8"))

    columns = scan_columns(rank=True, registration=False, probe=False)
    assert len(local) == 40 and set(local) == set(dask) == set(fed) == set(sharded)
    for key, row in local.items():
        assert list(row) == list(columns)
        for name in columns:
            assert dask[key][name] == row[name], (key, name, "dask")
            assert sharded[key][name] == row[name], (key, name, "processes")
            assert fed[key][name] == row[name], (key, name, "run")
        assert fed[key]["weight"] == 1.0
    print(
        f"parity: {len(local)} rows × {len(columns)} columns identical across scan, scan "
        "--processes 2, run, Dask"
    )

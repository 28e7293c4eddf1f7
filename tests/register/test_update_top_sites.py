"""``typorisk update-data --only top-sites`` against a local aiohttp server: Tranco's zip (or a
plain ``rank,domain`` CSV) becomes the cached list of established domains, registrable domains
only, and a bad download keeps the previous copy. Nothing leaves 127.0.0.0/8."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from typorisk.cli import main
from typorisk.parse import established
from typorisk.parse.established import load_top_sites

from .test_cli import Background

CSV = (
    "1,google.com\r\n2,www.gov.uk\r\n3,mail.google.com\r\n4,mail.com\r\n5,not a name\r\n"
    "6,levi.com\r\n"
)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("top-1m.csv", CSV)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    async def zipped(_: web.Request) -> web.Response:
        return web.Response(body=_zip(), content_type="application/zip")

    async def html(_: web.Request) -> web.Response:
        return web.Response(text="<html>maintenance</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/top-1m.csv.zip", zipped)
    app.router.add_get("/html", html)
    bg = Background()
    test_server = TestServer(app, host="127.0.0.1")
    bg.run(test_server.start_server())
    try:
        yield f"http://127.0.0.1:{test_server.port}"
    finally:
        bg.run(test_server.close())
        bg.close()


def test_update_data_refreshes_the_top_sites(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["update-data", "--only", "top-sites", "--cache-dir", str(tmp_path),
            "--allow-private-network", "127.0.0.0/8"]  # fmt: skip
    assert main([*args, "--top-sites-url", f"{server}/top-1m.csv.zip"]) == 0
    path = tmp_path / "top_sites.csv"
    listed = load_top_sites(path)
    # registrable domains, best rank each (mail.google.com counts for google.com; gov.uk is a
    # public suffix, so www.gov.uk is registrable); the malformed line is skipped
    assert dict(listed.ranks) == {"google.com": 1, "www.gov.uk": 2, "mail.com": 4, "levi.com": 6}
    assert "top-1m.csv.zip fetched" in listed.version
    assert "top-sites: " in capsys.readouterr().out
    before = path.read_bytes()
    assert main([*args, "--top-sites-url", f"{server}/html"]) == 2
    assert "did not return the expected file" in capsys.readouterr().err
    assert path.read_bytes() == before  # the old copy is kept
    # the refreshed copy is the one in force
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path.parent))
    (tmp_path.parent / "typorisk").mkdir(exist_ok=True)
    (tmp_path.parent / "typorisk" / "top_sites.csv").write_bytes(before)
    assert established.snapshot_path() == tmp_path.parent / "typorisk" / "top_sites.csv"


def test_the_shipped_list_is_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert established.snapshot_path() == established.shipped_path()
    shipped = load_top_sites(established.shipped_path())
    assert len(shipped) > 50_000 and shipped.rank("mail.com") == 6166
    assert "kmikholap/dns-gen" in shipped.version

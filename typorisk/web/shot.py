"""Optional screenshots: headless Chromium, compared by perceptual hash (imagehash's pHash).

Off by default (``--web-screenshots``). Chromium renders the HTML the fetcher already read (its
addresses checked by the outbound address policy) from a local file, and makes no network
connection of its own: host-resolver rules cannot hold Chromium to the policy (they do not apply
to IP-literal subresources such as ``<img src="http://10.0.0.5/">``), so every request it tries
goes to a proxy of typorisk's on loopback that answers none of them (:class:`NoNetwork`, which
counts them), loopback included (``--proxy-bypass-list=<-loopback>``), and every name maps to
``~NOTFOUND``. The screenshot is therefore the page's own HTML and inline styles without its
external stylesheets and images, for the candidate and the target alike. Scripts never run, as in
the fetcher: the file starts with a Content-Security-Policy ``script-src 'none'`` and a
``<base>`` at the page's URL.
``--blink-settings=scriptEnabled=false`` would be simpler, but headless ``--screenshot`` then
writes no file at all (Chromium 156: it drives the capture through the page).
Each screenshot is one Chromium process in its own session (process group),
started with an argument list (no shell), with a fresh profile directory removed afterwards,
and killed by its group after ``timeout`` seconds.

The distance of two 64-bit pHashes is the number of differing bits (0 identical, ~32 unrelated);
:func:`visual_similarity` maps it to ``1 − d/32`` clamped to [0, 1].
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import os
import signal
import tempfile
from pathlib import Path

from typorisk.kit.chromium import HEADLESS_FLAGS
from typorisk.kit.chromium import find_chromium as kit_find_chromium

FLAGS = (
    *HEADLESS_FLAGS,
    "--disable-extensions",
    "--ignore-certificate-errors",
    "--hide-scrollbars",
    "--window-size=1024,768",
)
"""Chromium flags of every screenshot (besides the profile, the output and the resolver map)."""


def sealed(body: str, url: str) -> str:
    """``body`` prefixed with a policy that forbids scripts, and a base at ``url``."""
    policy = "script-src 'none'; object-src 'none'; frame-src 'none'"
    return (
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        f'<base href="{html.escape(url, quote=True)}">{body}'
    )


def find_chromium() -> str | None:
    """The path of a Chromium binary, if installed (:func:`typorisk.kit.chromium.find_chromium`)."""
    return kit_find_chromium()


RESOLVER_RULES = "MAP * ~NOTFOUND"
"""``--host-resolver-rules``: Chromium resolves no name (nor asks the system resolver); the
proxy's own address is excluded from it so that Chromium reaches the proxy."""


class NoNetwork:
    """A proxy on 127.0.0.1 that closes every connection unanswered (an async context manager):
    Chromium's only way out, so it reaches nothing. :attr:`attempts` counts the connections."""

    def __init__(self) -> None:
        self.attempts = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> NoNetwork:
        self._server = await asyncio.start_server(self._refuse, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _refuse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.attempts += 1
        writer.transport.abort()

    def flags(self) -> tuple[str, ...]:
        """The Chromium flags that send every request (loopback too) to this proxy."""
        return (
            f"--proxy-server=http://127.0.0.1:{self.port}",
            "--proxy-bypass-list=<-loopback>",
            f"--host-resolver-rules={RESOLVER_RULES}, EXCLUDE 127.0.0.1",
        )


class Shooter:
    """Takes screenshots with the Chromium at ``binary`` (``timeout`` seconds each, at most
    ``concurrency`` at once: each is a browser)."""

    def __init__(self, binary: str, *, timeout: float = 20.0, concurrency: int = 2) -> None:
        self.binary = binary
        self.timeout = timeout
        self.gate = asyncio.Semaphore(max(1, concurrency))

        self.blocked = 0
        """Connections Chromium tried and the no-network proxy closed, over all screenshots."""

    async def phash(self, body: str, url: str) -> str | None:
        """The pHash (hex) of a screenshot of the HTML ``body`` fetched from ``url``, or
        ``None`` when none was taken."""
        async with self.gate, NoNetwork() as proxy:
            with tempfile.TemporaryDirectory(prefix="typorisk-shot-") as tmp:
                png, page = Path(tmp) / "shot.png", Path(tmp) / "page.html"
                page.write_text(sealed(body, url), encoding="utf-8")
                argv = [
                    self.binary, *FLAGS, *proxy.flags(),
                    f"--user-data-dir={Path(tmp) / 'profile'}", f"--screenshot={png}",
                    page.as_uri(),
                ]  # fmt: skip
                ran = await self._run(argv)
                self.blocked += proxy.attempts
                if not ran or not png.exists():
                    return None
                return await asyncio.to_thread(_phash_of, png)

    async def _run(self, argv: list[str]) -> bool:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            async with asyncio.timeout(self.timeout):
                await process.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the group this process leads
            await process.wait()
            return False
        return process.returncode == 0


def _phash_of(png: Path) -> str | None:
    import imagehash  # noqa: PLC0415 - optional, loaded only when screenshots are on
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415

    try:
        with Image.open(png) as image:
            return str(imagehash.phash(image))
    except (OSError, UnidentifiedImageError):
        return None


def visual_similarity(a: str | None, b: str | None) -> float | None:
    """``1 − d/32`` in [0, 1] for two pHash hex strings; ``None`` when either is missing."""
    if a is None or b is None:
        return None
    distance = bin(int(a, 16) ^ int(b, 16)).count("1")
    return max(0.0, 1.0 - distance / 32)

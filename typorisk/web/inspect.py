"""One candidate's web evidence: fetch its page and the target's (cached per run), compare,
read the certificate, classify.

:class:`Inspector` is the web stage's logic; its I/O is the :class:`~typorisk.web.fetch.Fetcher`
it is given. A fault of one candidate is a :class:`WebResult` of class ``unreachable`` or
``error`` with its reason, never an exception.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from yarl import URL

from typorisk.parse.psl import load_psl
from typorisk.web.classify import Evidence, Parking, WebClass, classify
from typorisk.web.compare import (
    Document,
    favicon_hash,
    mentions_brand,
    read_document,
    similarity,
)
from typorisk.web.compare import decode as decode_body
from typorisk.web.fetch import Fetcher, Page
from typorisk.web.shot import Shooter, visual_similarity
from typorisk.web.tls import CertFacts, cert_facts

THREAD_PARSE = 256 * 1024
"""Bodies above this many bytes are parsed in a worker thread (keeps the loop answering)."""


@dataclass(frozen=True, slots=True)
class WebResult:
    """What the web says about one candidate."""

    domain: str
    web_class: WebClass
    final_url: str | None = None
    chain: tuple[str, ...] = ()
    similarity: float | None = None
    """Combined similarity to the target's page, in [0, 1] (``None``: nothing to compare)."""
    cert: CertFacts | None = None
    error: str | None = None
    """Why the evidence failed or is partial (a cut body, a loop, a reset...)."""
    reasons: tuple[str, ...] = ()
    favicon_match: bool = False
    password: bool = False
    brand: bool = False
    visual: float | None = None
    """Screenshot similarity to the target's (pHash), in [0, 1], when screenshots ran."""
    favicon: int | None = None
    """Shodan favicon hash of its page's favicon, when one was served."""
    fuzzy: str | None = None
    """TLSH digest of its page, when TLSH had enough to hash."""


@dataclass(frozen=True, slots=True)
class View:
    """A fetched page and what it says."""

    page: Page
    doc: Document | None
    """``None`` when the body is not text (or nothing answered)."""
    icon: int | None = None
    """Shodan favicon hash, when a favicon was served."""
    phash: str | None = None
    """Perceptual hash of a screenshot, when screenshots are on."""


def registrable(host: str) -> str:
    """The registrable domain of ``host`` (the last two labels when the PSL knows no suffix)."""
    split = load_psl().split(host)
    return split[0] if split else ".".join(host.split(".")[-2:])


def answered_by_target(page: Page, final: str | None, target: str) -> bool:
    """True when ``page``'s last hop answered, without error, from ``target``'s own site: a
    host on the target's registrable domain (the target, a subdomain, or a sibling such as
    ``www.`` of ``us.corp.com``'s ``corp.com``) that was reached and gave a 2xx or 304
    answer. A redirect to a name of the target that does not answer, errs or loops proves
    nothing (anyone can write a ``Location`` header)."""
    if not final or page.unreachable or page.error is not None or page.status is None:
        return False
    if not (200 <= page.status < 300 or page.status == 304):
        return False
    on_target = final == target or final.endswith("." + target)
    return on_target or registrable(final) == registrable(target)


class Inspector:
    """Inspects candidates against their targets (the targets' pages fetched once per run)."""

    def __init__(
        self,
        fetcher: Fetcher,
        parking: Parking,
        now: dt.datetime,
        shooter: Shooter | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.parking = parking
        self.now = now
        self.shooter = shooter
        self._targets: dict[str, asyncio.Task[View]] = {}
        self.refused = 0
        """Candidates whose page (or a hop or meta refresh of it) the address policy refused."""

    async def target_view(self, target: str) -> View:
        """The target's own page, fetched through typorisk's resolver once per run."""
        task = self._targets.get(target)
        if task is None:
            task = self._targets[target] = asyncio.ensure_future(self._fetch_target(target))
        return await task

    def target_problems(self) -> list[str]:
        """One line per target whose own page could not be read (nothing to compare with)."""
        out = []
        for target, task in sorted(self._targets.items()):
            if task.done() and not task.cancelled() and task.result().doc is None:
                page = task.result().page
                why = page.error or f"HTTP {page.status}, no HTML"
                out.append(f"{target}'s own page could not be read ({why}): no similarity")
        return out

    async def _fetch_target(self, target: str) -> View:
        addresses = await self.fetcher.lookup(target)
        page = await self.fetcher.page(target, addresses)
        return await self.view(page)

    async def view(self, page: Page) -> View:
        """Parse ``page`` and fetch its favicon (same host only)."""
        text = decode_body(page.body, page.content_type) if page.body else None
        if text is None:
            return View(page, None)
        if len(page.body) > THREAD_PARSE:
            doc = await asyncio.to_thread(read_document, text)
        else:
            doc = read_document(text)
        shot = None
        if self.shooter is not None and page.ok and page.final_url:
            shot = await self.shooter.phash(text, page.final_url)
        return View(page, doc, await self._icon(page, doc), shot)

    async def _icon(self, page: Page, doc: Document) -> int | None:
        if page.final_url is None or page.status != 200:
            return None
        base = URL(page.final_url)
        url = base.join(URL(doc.icon or "/favicon.ico"))
        if url.raw_host != base.raw_host or url.scheme not in ("http", "https"):
            return None
        got = await self.fetcher.raw(str(url))
        if got.status != 200 or not got.body or got.truncated:
            return None
        return favicon_hash(got.body)

    async def inspect(
        self, target: str, domain: str, addresses: Sequence[str], ns: Sequence[str] = ()
    ) -> WebResult:
        """The web evidence of ``domain`` (a typo of ``target``) served at ``addresses``."""
        own = await self.target_view(target)
        page = await self.fetcher.page(domain, addresses)
        view = await self.view(page)
        refused = page.refused
        if view.doc is not None and view.doc.refresh and page.ok:
            # a meta refresh is a redirect a browser follows without scripts
            try:
                refresh = str(URL(page.final_url or "").join(URL(view.doc.refresh)))
            except ValueError:
                refresh = ""
            nxt = await self.fetcher.fetch(refresh) if refresh.startswith("http") else None
            if nxt is not None and nxt.refused:
                refused = True
                nxt = Page(nxt.url, page.chain + nxt.chain, None, error=nxt.error, refused=True)
                view = View(nxt, None)
            elif nxt is not None and not nxt.unreachable:
                nxt = Page(nxt.url, page.chain + nxt.chain, nxt.status, nxt.content_type,
                           nxt.body, nxt.truncated, nxt.cert, nxt.error)  # fmt: skip
                view = await self.view(nxt)
        self.refused += refused
        return self.judge(target, domain, own, view, ns)

    def judge(
        self, target: str, domain: str, own: View, view: View, ns: Sequence[str]
    ) -> WebResult:
        """Classify ``view`` against the target's ``own`` view (pure)."""
        page, doc = view.page, view.doc
        final = URL(page.final_url).raw_host if page.final_url else None
        final = final.lower() if final else None
        error = page.error
        if error is None and page.status is not None and page.body and doc is None:
            error = f"binary body ({page.content_type or 'no content type'})"
        if error is None and page.status is not None and page.status >= 400:
            error = f"HTTP {page.status}"
        compared = similarity(doc, own.doc) if doc is not None and own.doc is not None else None
        icon_match = view.icon is not None and view.icon == own.icon
        parked = self.parking.by_ns(ns)
        if doc is not None:
            parked = (
                self.parking.by_page(f"{doc.title} {doc.text}") or self._by_html(page) or parked
            )
        ev = Evidence(
            final_host=final,
            redirected=len(page.chain) > 1,
            lands_on_target=answered_by_target(page, final, target),
            other_domain=bool(final) and registrable(final) != registrable(domain),  # type: ignore[arg-type]
            similarity=compared.similarity if compared else None,
            favicon_match=icon_match,
            visual=visual_similarity(view.phash, own.phash),
            password=bool(doc and doc.password),
            brand=bool(doc and mentions_brand(doc, target)),
            parked_by=parked,
            unreachable=page.unreachable,
            error=error,
            refused=page.refused,
        )
        klass, reasons = classify(ev)
        cert = cert_facts(page.cert, target, self.now) if page.cert else None
        note = error
        if page.truncated:
            note = f"body cut at {len(page.body):,} bytes" + (f"; {error}" if error else "")
        return WebResult(
            domain, klass, page.final_url, page.chain, ev.similarity, cert, note, reasons,
            icon_match, ev.password, ev.brand, ev.visual, view.icon,
            doc.fuzzy if doc is not None else None,
        )  # fmt: skip

    def _by_html(self, page: Page) -> str | None:
        """Parking signatures in the raw HTML (links to the provider's scripts and images)."""
        return self.parking.by_page(page.body[:THREAD_PARSE].decode("latin-1"))

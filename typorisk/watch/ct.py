"""Certificate Transparency, read from the logs themselves: the log list and :func:`poll_log`.

Both read APIs are spoken: RFC 6962 (``get-sth``, ``get-entries``; :mod:`.ct_rfc6962`) and the
Static CT API (checkpoint, data tiles; :mod:`.ct_static`). The logs come from a list in the
schema of Chrome's ``log_list.json`` v3: ``operators[].logs`` (RFC 6962, read at ``url``) and
``operators[].tiled_logs`` (static, read at ``monitoring_url``). Tree heads (``get-sth``, the
checkpoint) are verified with the list's ``key`` when it has one (:mod:`.ct_verify`). Entries are
proven against the tree head before they are handed out: every static entry through the Merkle
tree tiles (:class:`.ct_static.TileProofs`), RFC 6962 entries by inclusion proofs on a random
sample and on the entries the caller's ``audit`` names (:func:`.ct_rfc6962.check_included`).
Each new tree head is checked to extend the one in the stored state (a consistency proof, or
the old root recomputed from the tiles). A proof that fails is the log's error.

Lookup order of :func:`load_log_list`: an explicit path → the user cache written by
``typorisk update-data`` (when it parses and its ``log_list_timestamp`` is not older) → the
snapshot shipped in ``typorisk/data/ct_log_list.json``. Nothing is fetched except by
:func:`update_log_list`.

State contract of :func:`poll_log`: the caller keeps one :class:`CTState` per log (keyed by
``log_id`` or ``url``) and saves each batch's ``state`` after handling its entries. ``None``
starts at the log's current head (only certificates logged from now on are reported); pass
``CTState(0, 0)`` to read a log from its first entry. A log whose tree is smaller than the
stored ``tree_size``, or whose tree does not extend the stored one, raises
:class:`~typorisk.errors.CTLogError` before anything is read, so its state is never advanced past
a fork or a rollback; so does a log that stops answering or serves entries it cannot prove (the
batches already yielded were proven and stay valid).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable, Collection
from importlib import resources
from pathlib import Path
from typing import Any

import aiohttp

from typorisk.errors import CTLogError, DataFileError
from typorisk.kit.atomic import atomic_write_text
from typorisk.kit.paths import user_cache_dir
from typorisk.kit.rate import TokenBucket
from typorisk.kit.reading import loads_bounded, read_capped
from typorisk.register.http import fetch
from typorisk.register.update import Updated
from typorisk.watch import ct_rfc6962, ct_static
from typorisk.watch.ct_http import CTClient
from typorisk.watch.ct_types import (
    API,
    MAX_ENTRY_BYTES,
    BatchBuilder,
    CTBatch,
    CTEntry,
    CTLog,
    CTState,
)

__all__ = [
    "API",
    "LOG_LIST_FILENAME",
    "LOG_LIST_URL",
    "MAX_ENTRY_BYTES",
    "CTBatch",
    "CTEntry",
    "CTLog",
    "CTState",
    "load_log_list",
    "parse_log_list",
    "poll_log",
    "shipped_log_list",
    "update_log_list",
]

LOG_LIST_FILENAME = "ct_log_list.json"
MAX_LOG_LIST_BYTES = 8 << 20
"""Cap on a log list, downloaded or read: 8 MiB (Chrome's is about 100 KiB)."""
LOG_LIST_URL = "https://www.gstatic.com/ct/log_list/v3/log_list.json"
"""Chrome's log list, v3 schema (only ``typorisk update-data`` fetches it)."""
USABLE_STATES = frozenset({"usable", "qualified"})
KNOWN_STATES = USABLE_STATES | {"readonly", "retired", "pending", "rejected"}


def _problem(origin: str, where: str, what: str) -> DataFileError:
    return DataFileError(
        f"{origin}: {where}: {what}; this is not a CT log list in the log_list.json v3 "
        "schema (run `typorisk update-data --only ct` or delete the cached copy)"
    )


def _log(entry: Any, operator: str, api: API, origin: str, where: str) -> CTLog:
    if not isinstance(entry, dict):
        raise _problem(origin, where, "a log is not a JSON object")
    url = entry.get("url" if api == "rfc6962" else "monitoring_url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise _problem(origin, where, f"no http(s) read URL ({url!r:.60})")
    states = entry.get("state") or {}
    if not isinstance(states, dict):
        raise _problem(origin, where, "state is not an object")
    state = next((s for s in states if s in KNOWN_STATES), "unknown")
    interval = entry.get("temporal_interval") or {}
    key = entry.get("key")
    submission = entry.get("submission_url", "")
    return CTLog(
        name=str(entry.get("description") or url),
        url=url if url.endswith("/") else url + "/",
        api=api,
        state=state,
        usable=state in USABLE_STATES,
        operator=operator,
        log_id=str(entry.get("log_id", "")),
        key=key if isinstance(key, str) else None,
        submission_url=submission if isinstance(submission, str) else "",
        start=str(interval.get("start_inclusive", "")) if isinstance(interval, dict) else "",
        end=str(interval.get("end_exclusive", "")) if isinstance(interval, dict) else "",
    )


def parse_log_list(doc: Any, origin: str = "<memory>") -> list[CTLog]:
    """Every log of a log_list.json v3 document (already JSON-decoded), RFC 6962 logs then
    tiled logs per operator, in the document's order. Pure. Raises DataFileError when the
    shape is wrong (the message names the operator or log)."""
    operators = doc.get("operators") if isinstance(doc, dict) else None
    if not isinstance(operators, list):
        raise _problem(origin, "top level", "no 'operators' list")
    logs: list[CTLog] = []
    for i, operator in enumerate(operators):
        if not isinstance(operator, dict):
            raise _problem(origin, f"operators[{i}]", "not an object")
        name = str(operator.get("name", ""))
        for key, api in (("logs", "rfc6962"), ("tiled_logs", "static")):
            entries = operator.get(key, [])
            if not isinstance(entries, list):
                raise _problem(origin, f"operator {name!r}", f"'{key}' is not a list")
            for j, entry in enumerate(entries):
                logs.append(_log(entry, name, api, origin, f"operator {name!r} {key}[{j}]"))  # type: ignore[arg-type]
    return logs


def _read(path: Path) -> tuple[str, list[CTLog]]:
    """(log_list_timestamp, logs) of a file; DataFileError naming the file."""
    try:
        doc = loads_bounded(read_capped(str(path), MAX_LOG_LIST_BYTES).decode("utf-8"))
    except (DataFileError, ValueError) as exc:
        raise DataFileError(
            f"cannot read the CT log list {path}: {exc}; run `typorisk update-data --only ct` "
            "or delete the file to fall back to the shipped snapshot"
        ) from exc
    logs = parse_log_list(doc, str(path))
    assert isinstance(doc, dict)  # parse_log_list refuses anything else
    return str(doc.get("log_list_timestamp", "")), logs


def shipped_log_list() -> Path:
    """The snapshot shipped in ``typorisk/data``."""
    return Path(str(resources.files("typorisk.data").joinpath(LOG_LIST_FILENAME)))


def load_log_list(path: Path | None = None) -> list[CTLog]:
    """The CT logs, in the lookup order of the module docstring."""
    if path is not None:
        return _read(path)[1]
    stamp, shipped = _read(shipped_log_list())
    cached = user_cache_dir() / LOG_LIST_FILENAME
    if cached.is_file():
        try:
            fresh_stamp, fresh = _read(cached)
        except DataFileError:
            return shipped  # a damaged cache never stops a watch; update-data rewrites it
        if fresh_stamp >= stamp:
            return fresh
    return shipped


async def update_log_list(
    session: aiohttp.ClientSession, dest: Path, *, url: str = LOG_LIST_URL, timeout: float = 60.0
) -> Updated:
    """Download the log list into ``dest`` (validated by :func:`parse_log_list` first, written
    atomically). Raises FetchError or DataFileError; the previous copy is then kept."""
    reply = await fetch(session, url, timeout=timeout, max_bytes=MAX_LOG_LIST_BYTES, accept="*/*")
    if reply.status != 200:
        raise DataFileError(f"{url} answered HTTP {reply.status}; try again later")
    try:
        text = reply.body.decode("utf-8")
        doc = loads_bounded(text)
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise DataFileError(f"{url} did not return a CT log list: {exc}") from exc
    logs = parse_log_list(doc, url)
    assert isinstance(doc, dict)  # parse_log_list refuses anything else
    path = dest / LOG_LIST_FILENAME
    atomic_write_text(path, text)
    version = f"{doc.get('version', '?')}, {doc.get('log_list_timestamp', '?')}, {len(logs)} logs"
    return Updated("ct", path, version, len(reply.body))


def _audited(batch: CTBatch, audit: Callable[[CTBatch], Collection[int]] | None) -> CTBatch:
    if audit is not None:
        audit(batch)  # an empty batch: nothing to prove, but the caller sees every batch once
    return batch


_RANDOM = random.SystemRandom()
"""The operating system's generator: a log that sees which entries are proven cannot learn
from them which will be next."""
SAMPLE_SPAN = 256
"""``sample`` counts inclusion proofs per this many RFC 6962 entries read."""
MAX_NAMED_PROOFS = 16
"""Entries of one page proven because ``audit`` named them, at most (picked at random when it
names more): each proof is one request within the log's rate."""


def _picked(builder: BatchBuilder, sample: float, named: Collection[int]) -> list[int]:
    """The entries of an RFC 6962 page to prove, picked at random after the page was served
    (so a log cannot know which of its entries will be checked): ``sample`` per
    :data:`SAMPLE_SPAN` entries on average (the fraction drawn at random), and up to
    :data:`MAX_NAMED_PROOFS` of the ``named`` ones."""
    indices = list(builder.leaves)
    expected = max(0.0, sample) * len(indices) / SAMPLE_SPAN
    count = int(expected) + (_RANDOM.random() < expected - int(expected))
    chosen = set(_RANDOM.sample(indices, min(count, len(indices))))
    wanted = [i for i in named if i in builder.leaves and i not in chosen]
    chosen.update(_RANDOM.sample(wanted, min(MAX_NAMED_PROOFS, len(wanted))))
    return sorted(chosen)


async def poll_log(
    session: aiohttp.ClientSession,
    log: CTLog,
    state: CTState | None,
    *,
    max_entries: int = 10_000,
    rate: float = 2.0,
    timeout: float = 30.0,
    max_entry_bytes: int = MAX_ENTRY_BYTES,
    bucket: TokenBucket | None = None,
    sample: float = 1.0,
    audit: Callable[[CTBatch], Collection[int]] | None = None,
) -> AsyncIterator[CTBatch]:
    """Read the entries of ``log`` after ``state``: one batch per request, at most
    ``max_entries`` entries per call, at most ``rate`` requests per second (each request first
    waits for a slot), ``timeout`` seconds per request. Pass the same ``bucket`` to successive
    calls for one log to keep the bound across them (by default each call has its own, burst 1).
    A call that stops inside a data tile (``max_entries``) fetches that tile again next time.

    Proofs (see the module docstring): static batches are proven whole; of an RFC 6962 page,
    ``sample`` entries per 256 read (at random) and the indices ``audit(batch)`` returns (up to
    :data:`MAX_NAMED_PROOFS` a page) are proven by inclusion proofs. ``audit`` is called once
    for every batch, before it is yielded (a batch whose proof then fails is never yielded).

    Yields at least one batch when the tree head was read (an empty one when nothing is new,
    carrying the new ``tree_size``). Raises CTLogError when the log cannot be read, its tree
    head is malformed, its tree is smaller than ``state.tree_size`` or does not extend it, or a
    proof fails (see the module docstring); ``state`` is then still the right one to keep.
    """
    limit = bucket if bucket is not None else TokenBucket(rate, 1)
    client = CTClient(session, log, limit, timeout, max_entry_bytes)
    static = log.api == "static"
    head = await (ct_static.fetch_head(client) if static else ct_rfc6962.fetch_head(client))
    if state is None:
        yield _audited(CTBatch(log, [], 0, CTState(head.size, head.size, head.root_hash)), audit)
        return
    if not 0 <= state.next_index <= state.tree_size:
        where = f"next_index {state.next_index}, tree_size {state.tree_size}"
        raise CTLogError(log.name, log.url, f"stored state ({where}) is inconsistent")
    if head.size < state.tree_size:
        raise CTLogError(
            log.name,
            log.url,
            f"tree shrank from {state.tree_size:,} to {head.size:,} entries (a fork or a "
            "rollback: an append-only log never shrinks)",
        )
    proofs = ct_static.TileProofs(client, head)
    if static:
        await proofs.check_extends(state)
    else:
        await ct_rfc6962.check_extends(client, state, head)
    index = state.next_index
    end = min(head.size, index + max(0, max_entries))
    if index >= end:
        yield _audited(CTBatch(log, [], 0, CTState(index, head.size, head.root_hash)), audit)
        return
    while index < end:
        if static:
            index, builder = await ct_static.fetch_batch(client, index, end, proofs)
        else:
            index, builder = await ct_rfc6962.fetch_batch(client, index, end)
        batch = builder.batch(log, CTState(index, head.size, head.root_hash))
        named = audit(batch) if audit is not None else ()
        if not static:
            picked = _picked(builder, sample, named)
            await ct_rfc6962.check_included(client, head, builder.leaves, picked)
        yield batch

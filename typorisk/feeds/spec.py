"""Feed definitions: YAML files naming protected targets, scan settings, thresholds, an allowlist
and outputs. :func:`load_feed` returns a validated :class:`FeedSpec` or raises
:class:`FeedSpecError` listing **every** problem as ``file:line:column: what is expected``.

Parsing is safe: the file is capped at :data:`MAX_BYTES`, composed with PyYAML's ``SafeLoader``
(no object construction from tags), and anchors/aliases are refused, so a "billion laughs" file
costs nothing. The JSON Schema for editors is ``typorisk/data/feed.schema.json``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from typorisk.errors import (
    DataFileError,
    FeedSpecError,
    InputLimitError,
    InvalidTargetError,
    ScanOptionError,
    UnsafeNameError,
)
from typorisk.feeds.scankeys import scan_values
from typorisk.feeds.yamlcheck import Checker, Problem
from typorisk.kit.reading import read_capped
from typorisk.parse.targets import parse_target
from typorisk.pipeline.options import ScanOptions
from typorisk.rank import RiskWeights
from typorisk.writers.entries import check_name
from typorisk.writers.formats import FEED_FORMATS

MAX_BYTES = 1 << 20
"""Largest feed definition read, in bytes (1 MiB): a definition is a page, not a data set."""
SENSITIVITY = {"low": 0.5, "normal": 1.0, "high": 2.0}
"""Named target weights."""
FEED_DEFAULTS = ScanOptions(resolve=False, top=200)
"""A feed's scan options when its definition says nothing: offline, 200 candidates a target."""


@dataclass(frozen=True, slots=True)
class FeedTarget:
    """A protected name and how much it matters."""

    domain: str
    """As written (a domain, e-mail address or URL); normalised by the permutation stage."""
    weight: float = 1.0
    """How much the target matters (> 0; ``sensitivity`` names 0.5/1/2): the exposure factor
    inside risk, and the multiplier of likelihood before ``min_likelihood``; ``min_risk``
    compares risk itself (the weight is already in it)."""
    top: int | None = None
    """Candidates kept for this target (overrides ``scan.top``)."""


@dataclass(frozen=True, slots=True)
class Output:
    """One file (or directory, for MISP) the feed writes."""

    format: str
    """A key of :data:`typorisk.writers.formats.FEED_FORMATS`."""
    path: Path
    """Resolved against the definition's directory."""
    settings: dict[str, object] = field(default_factory=dict)
    line: int = 0
    """Line of the output in the definition (for messages)."""


@dataclass(frozen=True, slots=True)
class WatchInclude:
    """The ``watch:`` section: list the look-alikes ``typorisk watch`` stored for the feed's
    targets (NRD lists, zone diffs, CT), beside the generated candidates."""

    store: Path
    """The store ``typorisk watch --db`` writes (resolved against the definition's folder)."""
    since_days: int = 30
    """Only look-alikes first seen in the last this many days."""
    min_score: float = 0.0
    """Only look-alikes scoring at least this, in [0, 1]."""


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """A validated feed definition."""

    name: str
    source: Path
    targets: tuple[FeedTarget, ...]
    outputs: tuple[Output, ...]
    description: str = ""
    options: ScanOptions = field(default_factory=lambda: FEED_DEFAULTS)
    """How the feed scans: the ``scan:`` section (and ``risk:``), mapped 1:1 onto
    :class:`~typorisk.pipeline.ScanOptions` through the option table."""
    min_likelihood: float = 0.0
    """Keep candidates at least this likely (after the target's weight), in [0, 1]."""
    min_risk: float | None = None
    """Keep candidates whose risk (which includes the weight) is at least this, in [0, 1]
    (needs ``resolve``)."""
    include_unregistered: bool = True
    include_unknown: bool = True
    allowlist: tuple[str, ...] = ()
    """Names never listed (with their subdomains): defensive registrations you own."""
    block_anyway: tuple[str, ...] = ()
    """Names blocked even though they are established domains (the explicit override: by
    default an established domain gets a warn-the-sender action, never a block)."""
    watch: WatchInclude | None = None
    """Look-alikes found by ``typorisk watch`` to list too; None: none."""
    history: Path | None = None
    """The SQLite store each run of the feed is recorded in (as ``typorisk record`` does);
    None: runs are not recorded."""
    review: Path | None = None
    """The directory the review of each recorded run is written to (``review.html``,
    ``review.md``); None: no review. Needs ``history``."""

    @property
    def resolve(self) -> ScanOptions | None:
        """The scan options when the feed resolves; ``None``: offline (permutation only)."""
        return self.options if self.options.resolve else None

    @property
    def risk(self) -> RiskWeights:
        """Risk weights: the defaults with the feed's ``risk:`` overrides."""
        return RiskWeights().with_overrides(dict(self.options.weights))


def load_feed(path: Path) -> FeedSpec:
    """Read and validate a feed definition; raises :class:`FeedSpecError` with every problem."""
    check = Checker(str(path))
    try:
        data = read_capped(str(path), MAX_BYTES)  # stops after MAX_BYTES: /dev/zero is refused
    except InputLimitError:
        check.problem(None, f"file is over {MAX_BYTES} bytes; a feed definition is smaller")
        raise FeedSpecError(check.problems) from None
    except DataFileError as exc:
        reason = str(exc).removeprefix(f"cannot read {path}: ")
        raise FeedSpecError([Problem(str(path), 0, 0, f"cannot read: {reason}")]) from exc
    root = check.compose(data)
    spec = _spec(check, root, path) if root is not None else None
    if check.problems or spec is None:
        raise FeedSpecError(check.problems or [Problem(str(path), 1, 1, "empty definition")])
    return spec


TOP_KEYS = {
    "feed": "feed name: letters, digits, '-', '_' and '.'",
    "description": "free text",
    "targets": "list of protected domains (strings or mappings with domain/weight/top)",
    "scan": "mapping: kinds, exclude_kinds, top, resolve, executor, registration, probe, rank",
    "thresholds": "mapping: min_likelihood, min_risk, include_unregistered, include_unknown",
    "allowlist": "list of domains you own (never listed)",
    "block_anyway": "list of established domains to block all the same (default: warn only)",
    "outputs": "list of mappings with format, path and options",
    "risk": "mapping of risk weights to override (see RiskWeights: w_graph, mx, defensive...)",
    "watch": "mapping: store, since_days, min_score (list look-alikes from typorisk watch)",
    "history": "SQLite store each run is recorded in, like typorisk record (relative to this file)",
    "review": "directory the review of each run is written to (needs history)",
}
WATCH_KEYS = {
    "store": "the store typorisk watch --db writes (relative to this file)",
    "since_days": "integer ≥ 1: look-alikes first seen in the last N days (30)",
    "min_score": "number in [0, 1]: look-alikes scoring at least this (0)",
}

RISK_KEYS = {f.name: "number ≥ 0" for f in dataclasses.fields(RiskWeights)}
"""Every risk weight a feed may override (the fields of :class:`~typorisk.rank.RiskWeights`)."""


def _spec(check: Checker, root: yaml.Node, path: Path) -> FeedSpec | None:
    top = check.mapping(
        root, "the feed definition", TOP_KEYS, required=("feed", "targets", "outputs")
    )
    if top is None:
        return None
    name = check.string(top.get("feed"), "feed", pattern=r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
    values = scan_values(check, top.get("scan"), path.parent)
    values["weights"] = _risk(check, top.get("risk"))
    try:
        options = FEED_DEFAULTS.with_values(values)
    except ScanOptionError as exc:
        check.problem(top.get("scan"), f"{exc.feed_key} {exc.reason}")
        options = FEED_DEFAULTS
    thresholds = _thresholds(check, top.get("thresholds"), resolve=options.resolve)
    spec = FeedSpec(
        name=name or "",
        source=path,
        description=check.string(top.get("description"), "description") or "",
        targets=tuple(check.items(top.get("targets"), "targets", _target, minimum=1)),
        outputs=tuple(check.items(top.get("outputs"), "outputs", _output(path.parent), minimum=1)),
        allowlist=tuple(check.items(top.get("allowlist"), "allowlist", _allowed)),
        block_anyway=tuple(check.items(top.get("block_anyway"), "block_anyway", _allowed)),
        watch=_watch(check, top.get("watch"), path.parent),
        history=_path(check, top.get("history"), "history", path.parent),
        review=_path(check, top.get("review"), "review", path.parent),
        options=options,
        **thresholds,  # type: ignore[arg-type]
    )
    _check_paths(check, spec, top.get("outputs"))
    if spec.review is not None and spec.history is None:
        check.problem(top.get("review"), "review needs history: give the store to review")
    return spec


def _path(check: Checker, node: yaml.Node | None, where: str, base: Path) -> Path | None:
    """A path key (``history``, ``review``) resolved against the definition's folder."""
    text = check.string(node, where, pattern=r"[^\x00]+") if node is not None else None
    return base / text if text else None


def _watch(check: Checker, node: yaml.Node | None, base: Path) -> WatchInclude | None:
    """The ``watch:`` section, or None when absent or invalid."""
    if node is None:
        return None
    items = check.mapping(node, "watch", WATCH_KEYS, required=("store",))
    if items is None:
        return None
    store = check.string(items.get("store"), "watch.store", pattern=r"[^\x00]+")
    days = check.integer(items.get("since_days"), "watch.since_days", low=1)
    score = check.number(items.get("min_score"), "watch.min_score", low=0.0, high=1.0)
    if store is None:
        return None
    return WatchInclude(base / store, days or 30, score or 0.0)


def _risk(check: Checker, node: yaml.Node | None) -> tuple[tuple[str, float], ...]:
    """The feed's risk weight overrides (each a number ≥ 0), as ``ScanOptions.weights``."""
    found = check.mapping(node, "risk", RISK_KEYS) or {}
    overrides: list[tuple[str, float]] = []
    for key, value in found.items():
        number = check.number(value, f"risk.{key}", low=0.0)
        if number is not None:
            overrides.append((key, number))
    return tuple(overrides)


def _target(check: Checker, node: yaml.Node, where: str) -> FeedTarget | None:
    if isinstance(node, yaml.ScalarNode):
        domain = check.string(node, where)
        return FeedTarget(domain) if domain and _target_ok(check, node, domain) else None
    keys = {
        "domain": "the protected name",
        "weight": "number > 0",
        "sensitivity": "low|normal|high",
        "top": "candidates kept for this target",
    }
    item = check.mapping(node, where, keys, required=("domain",))
    if item is None:
        return None
    domain = check.string(item.get("domain"), f"{where}.domain")
    weight = check.number(item.get("weight"), f"{where}.weight", low=0.0, low_open=True, high=100.0)
    level = check.choice(item.get("sensitivity"), f"{where}.sensitivity", tuple(SENSITIVITY))
    if weight is not None and level is not None:
        check.problem(item["sensitivity"], f"{where}: give weight or sensitivity, not both")
    top = check.integer(item.get("top"), f"{where}.top", low=1)
    if not domain or not _target_ok(check, item["domain"], domain):
        return None
    return FeedTarget(domain, weight or SENSITIVITY.get(level or "normal", 1.0), top)


def _target_ok(check: Checker, node: yaml.Node, text: str) -> bool:
    try:
        parse_target(text)
    except InvalidTargetError as exc:
        check.problem(node, f"{exc.reason}; expected a registrable domain like army.mil")
        return False
    return True


def _allowed(check: Checker, node: yaml.Node, where: str) -> str | None:
    text = check.string(node, where)
    if text is None:
        return None
    try:
        return check_name(text.strip().lower().rstrip("."))
    except UnsafeNameError as exc:
        check.problem(node, f"{where}: {exc.reason}")
        return None


THRESHOLD_KEYS = {
    "min_likelihood": "number in [0, 1]",
    "min_risk": "number in [0, 1] (needs scan.resolve)",
    "include_unregistered": "list names that are not registered (true)",
    "include_unknown": "list names whose registration is unknown (true)",
}


def _thresholds(check: Checker, node: yaml.Node | None, *, resolve: bool) -> dict[str, object]:
    items = check.mapping(node, "thresholds", THRESHOLD_KEYS) if node is not None else {}
    if items is None:
        return {}
    out: dict[str, object | None] = {
        "min_likelihood": check.number(
            items.get("min_likelihood"), "thresholds.min_likelihood", low=0.0, high=1.0
        ),
        "min_risk": check.number(items.get("min_risk"), "thresholds.min_risk", low=0.0, high=1.0),
        "include_unregistered": check.boolean(
            items.get("include_unregistered"), "thresholds.include_unregistered"
        ),
        "include_unknown": check.boolean(
            items.get("include_unknown"), "thresholds.include_unknown"
        ),
    }
    for key in ("min_risk", "include_unregistered", "include_unknown"):
        if key in items and not resolve:
            check.problem(items[key], f"thresholds.{key} needs DNS facts: enable scan.resolve")
    return {k: v for k, v in out.items() if v is not None}


def _output(base: Path) -> Callable[[Checker, yaml.Node, str], Output | None]:
    keys = {
        "format": "one of " + ", ".join(FEED_FORMATS),
        "path": "file (directory for misp)",
        "options": "mapping of format settings",
    }

    def output(check: Checker, node: yaml.Node, where: str) -> Output | None:
        item = check.mapping(node, where, keys, required=("format", "path"))
        if item is None:
            return None
        fmt = check.choice(item.get("format"), f"{where}.format", tuple(FEED_FORMATS))
        path = check.string(item.get("path"), f"{where}.path", pattern=r"[^\x00]+")
        settings = _settings(check, item.get("options"), fmt, where) if fmt else {}
        if fmt is None or path is None or settings is None:
            return None
        return Output(fmt, base / path, settings, node.start_mark.line + 1)

    return output


def _settings(
    check: Checker, node: yaml.Node | None, fmt: str, where: str
) -> dict[str, object] | None:
    known = FEED_FORMATS[fmt].settings
    if node is None:
        return {}
    items = check.mapping(node, f"{where}.options", {k: s.help for k, s in known.items()})
    if items is None:
        return None
    values: dict[str, object] = {}
    for key, value in items.items():
        value_of = check.setting(
            value, f"{where}.options.{key}", known[key].kind, known[key].choices
        )
        if value_of is not None:
            values[key] = value_of
    return values


def _check_paths(check: Checker, spec: FeedSpec, node: yaml.Node | None) -> None:
    seen: dict[Path, int] = {}
    for output in spec.outputs:
        resolved = output.path.resolve()
        if resolved in seen:
            check.problem(
                node,
                f"outputs: line {output.line} writes the same path as line "
                f"{seen[resolved]}; give each output its own path",
            )
        seen[resolved] = output.line


def iter_problems(path: Path) -> Iterator[Problem]:
    """Every problem in the definition at ``path`` (none: it is valid)."""
    try:
        load_feed(path)
    except FeedSpecError as exc:
        yield from (p for p in exc.problems if isinstance(p, Problem))

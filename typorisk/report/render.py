"""Render a :class:`~typorisk.report.review.Review` as Markdown and as one self-contained HTML
page (inline CSS and SVG; no script, no CDN, no network), from jinja2 templates in
``typorisk/report/templates/``.

Escaping: the HTML environment autoescapes every value; the Markdown one passes every value
from data through the ``md`` filter (:func:`markdown_cell`). A missing value shows as "—".
The page is print-friendly (``@media print`` in ``review.css``): A4, tables that do not split
rows, charts two by two; :mod:`typorisk.report.pdf` prints it with headless Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import jinja2

from typorisk import __version__
from typorisk.rank.operations import node_text
from typorisk.report.actions import ONLY_IF, Actions, Row, Tail, plan, risk
from typorisk.report.review import Review
from typorisk.report.svg import (
    CATEGORY_COLOURS,
    Chart,
    category_bars,
    colour_of,
    histogram,
    operation_picture,
    trend_lines,
)

MISSING = "—"
OPERATION_PICTURES = 4
"""Operation pictures drawn (the largest operations to take down); the table lists all."""

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&!])")
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u0085\u2028\u2029]+")


def plain_cell(value: object) -> str:
    """A cell's text on one line: lists joined with ``; ``, line breaks and tabs → one space,
    other unprintable characters (ESC, bidi controls) dropped. Still needs escaping."""
    text = "; ".join(map(str, value)) if isinstance(value, list | tuple) else str(value or "")
    return "".join(c for c in _LINE_BREAKS.sub(" ", text) if c.isprintable())


def markdown_cell(value: object) -> str:
    """A value (from the network: MX names, registrars, banners) as the text of one GFM table
    cell that renders literally: one line (:func:`plain_cell`), and a backslash before every
    character Markdown could read as markup — ``\\ ` * _ [ ] < > # | ~ & !`` (the pipe would
    split the cell, ``<`` open raw HTML, ``&`` start an entity). Leading ``=`` is left alone:
    that is spreadsheet formula injection, a CSV writer's problem, not Markdown's."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", plain_cell(value))


def cell(value: object) -> str:
    """:func:`plain_cell`, or "—" when the value is missing or empty."""
    text = plain_cell(value)
    return text if text.strip() else MISSING


def _day(iso: str) -> str:
    return iso[:16].replace("T", " ") + " UTC" if iso else MISSING


def _span(tail: Tail) -> str:
    low, high = f"{tail.risk_low:.2f}", f"{tail.risk_high:.2f}"
    return low if low == high else f"{low}–{high}"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


@dataclass(frozen=True, slots=True)
class View:
    """What the templates read: the review, its actions, and the sentences and charts made
    from them (so the templates hold markup, not arithmetic)."""

    review: Review
    a: Actions
    feed: str
    run_date: str
    compared: str
    since: str
    warnings: list[str]
    new_high: int
    states: str
    register_count: int
    changed: str
    todo: list[str]
    has_web: bool
    charts: list[tuple[Chart, str]]
    operations: list[Chart]
    generator: str


def _changed(review: Review) -> str:
    if review.baseline is None:
        return "This is the first review: nothing to compare with yet. Every finding below is new."
    c = review.changes
    counted = [
        (len(c.new_registrations), "look-alike newly registered", "look-alikes newly registered"),
        (len(c.new_mail), "gained mail", "gained mail"),
        (len(c.smtp_changes), "changed SMTP behaviour", "changed SMTP behaviour"),
        (len(c.owner_changes), "changed registrar", "changed registrar"),
        (len(c.risk_up), "rose in risk", "rose in risk"),
        (len(c.gone), "no longer registered", "no longer registered"),
    ]
    parts = [_count(n, one, many) for n, one, many in counted if n]
    hits = review.watch_hits
    if hits:
        parts.append(
            _count(len(hits), "new look-alike seen by watch", "new look-alikes seen by watch")
        )
    since = f"Since run {review.baseline.id} ({_day(review.baseline.started)})"
    return f"{since}: " + ("; ".join(parts) if parts else "nothing changed") + "."


def _states(a: Actions) -> str:
    """Registered, unknown and free look-alikes, counted apart (unknown is neither)."""
    total = a.registered + a.unknown + a.free
    return (
        f"{_count(total, 'look-alike')} checked: {a.registered} registered, "
        f"{a.unknown} registration unknown (a wildcard TLD answers for them, or DNS failed: "
        f"never counted as free), {a.free} not registered."
    )


def _todo(review: Review, a: Actions) -> list[str]:
    steps = []
    if a.block_count:
        unknown = len(a.block) - a.block_registered
        steps.append(
            f"Block {_count(a.block_count, 'name')} now ({a.block_registered} registered, "
            f"{unknown} registration unknown, {a.block_count - len(a.block)} not registered "
            "yet): check that resolvers and mail gateways pulled today's blocklists."
        )
    if a.requests:
        grouped = (
            f"; {_count(len(a.operations), 'operation')} of several look-alikes: one request "
            "covers each"
            if a.operations
            else ""
        )
        steps.append(
            f"Send {_count(a.requests, 'takedown request')} to the registrars' and hosting "
            f"networks' abuse contacts (table 3{grouped})."
        )
    free = sum(min(t.count, len(t.names)) for t in a.register)
    if free:
        conditional = sum(ONLY_IF in n for t in a.register for n in t.notes.values())
        only_if = f", {conditional} of them only if you are eligible" if conditional else ""
        steps.append(
            f"Register the {_count(free, 'most likely free name')} defensively (table 2{only_if})."
        )
    if review.findings.defensive:
        steps.append(
            f"Confirm {_count(len(review.findings.defensive), 'probable own registration')} "
            "and add them to the allowlist."
        )
    if a.watch:
        steps.append(f"Nothing to do yet for {_count(len(a.watch), 'name')} on watch (table 4).")
    return steps or ["Nothing to do: no look-alike needs action."]


def _warnings(review: Review) -> list[str]:
    out = []
    for run in review.incomplete:
        why = run.stats.get("incomplete") or "it stopped before the end"
        out.append(
            f"The newer run {run.id} ({_day(run.started)}) did not complete ({why}); this "
            "review shows the last complete run."
        )
    return out


def charts(review: Review) -> list[tuple[Chart, str]]:
    """The charts and their captions: trends across runs, risk distribution, capture."""
    labels = [t.started[:10] for t in review.trend]
    trend = trend_lines(
        "Registered look-alikes per run",
        labels,
        {
            "registered": [t.registered for t in review.trend],
            "can receive mail": [t.mail for t in review.trend],
        },
        unit="domains",
    )
    counts = review.capture_counts()
    ordered = {k: counts[k] for k in CATEGORY_COLOURS if counts.get(k)}
    ordered.update({k: v for k, v in sorted(counts.items()) if k not in ordered})
    return [
        (
            trend,
            "Registered look-alikes and those that can receive mail, per complete run "
            f"({len(labels)} runs).",
        ),
        (
            histogram(
                "Look-alikes by risk",
                review.risk_histogram(),
                x_unit="risk (0–1)",
                y_unit="domains",
                high_from=review.threshold,
            ),
            "How many look-alikes fall in each risk decile; red: bins that reach the "
            f"threshold ({review.threshold:.2f}).",
        ),
        (
            category_bars("What the look-alikes can capture", ordered, unit="domains"),
            "Capture capability of every look-alike checked; colours are the same in every review.",
        ),
    ]


def short_name(node: tuple[str, str]) -> str:
    """A node's name as a picture labels it beside its kind's colour (a fingerprint cut to
    12 hex digits, a name set without its digest)."""
    kind, name = node
    if kind == "cert":
        return name[:12] + "…"
    if kind == "san":
        return name.split(" #", 1)[0]
    return name


def operation_charts(a: Actions, review: Review) -> list[Chart]:
    """Pictures of the largest operations to take down: shared nodes labelled with their kind,
    look-alikes coloured by capture category, each joined to the nodes it shares."""
    capture = {str(r["domain"]): str(r.get("capture")) for r in review.rows}
    out = []
    for entry in a.operations[:OPERATION_PICTURES]:
        op = entry.operation
        nodes = [n for n, _ in op.shared]
        index = {n: i for i, n in enumerate(nodes)}
        shared = [(n[0], short_name(n), f"{node_text(n)}: {c} look-alikes") for n, c in op.shared]
        members = [
            (d, capture.get(d, "unknown"), [index[n] for n in op.evidence.get(d, ())])
            for d in op.members
        ]
        out.append(operation_picture(op.label, shared, members))
    return out


def view(review: Review) -> View:
    """The template context of ``review`` (pure)."""
    a = plan(review)
    base = review.baseline
    return View(
        review=review,
        a=a,
        feed=review.run.feed,
        run_date=_day(review.run.started),
        compared=f"compared with run {base.id} of {_day(base.started)}" if base else "first review",
        since=f"run {base.id} ({_day(base.started)})" if base else "the first review",
        warnings=_warnings(review),
        new_high=len(review.new_high_risk),
        states=_states(a),
        register_count=sum(len(t.names) for t in a.register),
        changed=_changed(review),
        todo=_todo(review, a),
        has_web=any(r.get("web") for r in review.rows),
        charts=charts(review),
        operations=operation_charts(a, review),
        generator=f"typorisk {__version__}",
    )


def noted(tail: Tail) -> list[str]:
    """The names of a tail, each with its condition when it has one."""
    return [f"{n} ({tail.notes[n]})" if n in tail.notes else n for n in tail.names]


def _risk_text(row: Row) -> str:
    return f"{risk(row):.2f}"


def _own_reason(reasons: Sequence[str]) -> str:
    """Why a candidate looks like the brand's own registration (the ranking's reason)."""
    return next((r for r in reasons if "defensive" in r), reasons[-1] if reasons else MISSING)


def _globals() -> dict[str, object]:
    return {
        "cell": cell,
        "risk": _risk_text,
        "span": _span,
        "colour": colour_of,
        "own_reason": _own_reason,
        "noted": noted,
        "day": _day,
    }


@cache
def environment(kind: str) -> jinja2.Environment:
    """The jinja2 environment for ``html`` (autoescaped) or ``md`` (the ``md`` filter)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("typorisk.report", "templates"),
        # Markdown is not HTML: its values are escaped by the md filter in the template
        autoescape=kind == "html",  # noqa: S701
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.globals.update(_globals())
    env.filters["md"] = markdown_cell
    return env


def render_markdown(review: Review) -> str:
    """The review as GitHub-flavoured Markdown."""
    text = environment("md").get_template("review.md.j2").render(v=view(review))
    return re.sub(r"\n{3,}", "\n\n", text)


def render_html(review: Review) -> str:
    """One self-contained HTML page (no script, no external resource)."""
    return environment("html").get_template("review.html.j2").render(v=view(review))

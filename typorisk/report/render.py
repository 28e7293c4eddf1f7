"""Render a :class:`~typorisk.report.review.Review` as Markdown and as one self-contained HTML
page (inline CSS and SVG; no script, no CDN, no network). Every value from data is escaped:
:func:`markdown_cell` for Markdown, :func:`html.escape` of :func:`plain_cell` for HTML."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape

from typorisk.report.review import Review
from typorisk.report.svg import bar_chart, cluster_picture
from typorisk.store import Change

TOP = 25
CAPTURE_ORDER = (
    "catch-all",
    "mx",
    "wildcard-mail",
    "implicit",
    "wildcard",
    "registered",
    "unknown",
    "unregistered",
    "null-mx",
)


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


def _md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]
    return lines


def _change_rows(changes: Sequence[Change]) -> list[list[object]]:
    return [
        [c.domain, c.target, c.field, c.old or "", c.new or "", f"{c.risk:.2f}"] for c in changes
    ]


def sections(review: Review) -> list[tuple[str, list[str], list[list[object]]]]:
    """The review's tables: (title, header, rows), in reading order."""
    top = [
        [
            r["domain"],
            r["target"],
            f"{float(str(r['risk'])):.2f}",
            r.get("capture"),
            r.get("registrar"),
            r.get("reasons"),
        ]
        for r in review.rows[:TOP]
    ]
    c = review.changes
    change_header = ["domain", "target", "field", "before", "now", "risk"]
    out: list[tuple[str, list[str], list[list[object]]]] = [
        ("Top risks", ["domain", "target", "risk", "capture", "registrar", "reasons"], top),
        ("New registrations", change_header, _change_rows(c.new_registrations)),
        ("New mail capability", change_header, _change_rows(c.new_mail)),
        ("SMTP behaviour changed", change_header, _change_rows(c.smtp_changes)),
        ("Owner (registrar) changed", change_header, _change_rows(c.owner_changes)),
        ("Risk rose", change_header, _change_rows(c.risk_up)),
        ("Gone", change_header, _change_rows(c.gone)),
        (
            "Infrastructure clusters",
            ["kind", "host", "typo domains", "targets"],
            [[k.kind, k.name, len(k.members), k.targets] for k in review.findings.clusters],
        ),
        (
            "Suffix collisions (wildcarded suffixes)",
            ["suffix", "typo domains"],
            [[f".{s}", list(m)] for s, m in review.findings.wildcard_suffixes.items()],
        ),
        (
            "Defensive registrations to confirm",
            ["domain", "target", "why"],
            [[r.obs.domain, r.obs.target, r.reasons[-1]] for r in review.findings.defensive],
        ),
    ]
    return out


def _headline(review: Review) -> str:
    base = f"run {review.baseline.id}" if review.baseline else "nothing (first review)"
    high = len(review.new_high_risk)
    warning = ""
    for run in review.incomplete:
        why = run.stats.get("incomplete") or "it stopped before the end"
        warning += (
            f"Warning: the newer run {run.id} ({run.started}) did not complete ({why}); this "
            "review shows the last complete run. "
        )
    return warning + (
        f"Run {review.run.id} of feed '{review.run.feed}' ({review.run.started}), compared "
        f"with {base}: {len(review.rows)} candidates, {high} new high-risk finding(s) "
        f"(risk ≥ {review.threshold:.2f})."
    )


def render_markdown(review: Review) -> str:
    """The review as GitHub-flavoured Markdown."""
    lines = ["# typorisk threat review", "", _headline(review), ""]
    for title, header, rows in sections(review):
        lines += [f"## {title}", ""]
        lines += _md_table(header, rows) if rows else ["None."]
        lines.append("")
    return "\n".join(lines)


CSS = """body{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;
font-size:13px;text-align:left;vertical-align:top}th{background:#f3f3f3}.charts{display:flex;
flex-wrap:wrap;gap:1em}.high{background:#fdecea}.lede{font-size:15px}"""


def _html_table(header: Sequence[str], rows: Sequence[Sequence[object]], threshold: float) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        risky = "risk" in header and float(str(row[list(header).index("risk")])) >= threshold
        cells = "".join(f"<td>{escape(plain_cell(c))}</td>" for c in row)
        body.append(f'<tr class="high">{cells}</tr>' if risky else f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def charts(review: Review) -> list[str]:
    """SVG charts: risk distribution, registrations over time, mail capability, clusters."""
    hist = review.risk_histogram()
    labels = [f"{i / 10:.1f}" for i in range(10)]
    counts = review.capture_counts()
    kinds = [k for k in CAPTURE_ORDER if counts.get(k)]
    out = [
        bar_chart("Candidates by risk", labels, hist, colour="#c0392b"),
        bar_chart(
            "Registered typo domains per run",
            [f"run {t.run}" for t in review.trend],
            [t.registered for t in review.trend],
            colour="#2980b9",
        ),
        bar_chart("Capture capability", kinds, [counts[k] for k in kinds]),
    ]
    for cluster in review.findings.clusters[:3]:
        members = [
            (d, t)
            for d in cluster.members
            for t in cluster.targets
            if any(r["domain"] == d and r["target"] == t for r in review.rows)
        ]
        out.append(cluster_picture(f"{cluster.kind.upper()} {cluster.name}", members))
    return out


def render_html(review: Review) -> str:
    """One self-contained HTML page (no script, no external resource)."""
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        "<title>typorisk threat review</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>typorisk threat review</h1>",
        f'<p class="lede">{escape(_headline(review))}</p>',
        '<div class="charts">' + "".join(charts(review)) + "</div>",
    ]
    for title, header, rows in sections(review):
        parts.append(f"<h2>{escape(title)}</h2>")
        parts.append(_html_table(header, rows, review.threshold))
    parts.append("</body></html>")
    return "\n".join(parts)

"""Inline SVG charts for reviews: no JavaScript, no CDN, every text escaped.

Pure functions from numbers and labels to an ``<svg>`` string sized in CSS pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

PALETTE = ("#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#2980b9", "#8e44ad", "#7f8c8d")


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    width: int = 520,
    height: int = 220,
    colour: str | None = None,
) -> str:
    """Vertical bars with their values on top; empty data draws an explicit 'no data' chart.
    ``colour`` paints every bar alike (a distribution); by default each bar gets its own."""
    top, bottom, left = 40, 38, 10
    plot_h = height - top - bottom
    count = max(len(values), 1)
    slot = (width - 2 * left) / count
    peak = max(values, default=0) or 1
    parts = [_open(width, height, title), _text(width / 2, 18, title, size=14, anchor="middle")]
    if not values:
        parts.append(_text(width / 2, height / 2, "no data", anchor="middle"))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar_h = plot_h * value / peak
        x = left + i * slot + slot * 0.15
        y = top + plot_h - bar_h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar_h:.1f}" '
            f'fill="{colour or PALETTE[i % len(PALETTE)]}"/>'
        )
        parts.append(_text(x + slot * 0.35, y - 4, _num(value), anchor="middle"))
        parts.append(_text(x + slot * 0.35, height - bottom + 16, label, anchor="middle", size=11))
    parts.append("</svg>")
    return "".join(parts)


def cluster_picture(hub: str, members: Sequence[tuple[str, str]], *, size: int = 360) -> str:
    """One infrastructure cluster: the hub in the centre, its typo domains on a circle, coloured
    by protected target (``members`` are ``(domain, target)`` pairs)."""
    centre = size / 2
    radius = size / 2 - 60
    targets = sorted({t for _, t in members})
    colour = {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(targets)}
    parts = [_open(size, size + 20 * len(targets), f"cluster {hub}")]
    shown = list(members)[:60]
    for i, (domain, target) in enumerate(shown):
        angle = 2 * math.pi * i / max(len(shown), 1)
        x, y = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
        parts.append(
            f'<line x1="{centre:.1f}" y1="{centre:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
            'stroke="#bbb" stroke-width="1"/>'
        )
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour[target]}">'
            f"<title>{escape(domain)} (typo of {escape(target)})</title></circle>"
        )
    parts.append(f'<circle cx="{centre}" cy="{centre}" r="14" fill="#2c3e50"/>')
    parts.append(_text(centre, centre + 32, hub, anchor="middle", size=12))
    if len(members) > len(shown):
        parts.append(_text(centre, 16, f"{len(shown)} of {len(members)} shown", anchor="middle"))
    for i, target in enumerate(targets):
        y = size + 14 + 20 * i
        parts.append(f'<circle cx="14" cy="{y - 4}" r="5" fill="{colour[target]}"/>')
        parts.append(_text(26, y, f"typos of {target}", size=12))
    parts.append("</svg>")
    return "".join(parts)


def _open(width: float, height: float, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
    )


def _text(x: float, y: float, text: str, *, size: int = 12, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-family="sans-serif">{escape(text)}</text>'
    )


def _num(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"

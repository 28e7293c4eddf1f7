"""A minimal SVG line plot (for docs/recall.svg), hand-written on purpose.

One static figure with two lines and five points does not justify a plotting dependency
(matplotlib is ~40 MB installed); this is 50 lines of string formatting, and the SVG is checked
by parsing it as XML in ``test_recall.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

WIDTH, HEIGHT, PAD = 560, 340, 56
COLOURS = ("#1f77b4", "#d62728", "#2ca02c")


def line_plot(title: str, xs: Sequence[int], series: Mapping[str, Sequence[float]]) -> str:
    """SVG text: each series (values in [0, 1]) against ``xs`` placed evenly, y from 0 to 100%."""
    plot_w, plot_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    step = plot_w / max(len(xs) - 1, 1)

    def point(i: int, v: float) -> tuple[float, float]:
        return PAD + i * step, PAD + plot_h * (1.0 - v)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="14">{escape(title)}</text>',
    ]
    for tick in range(0, 101, 20):
        y = PAD + plot_h * (1 - tick / 100)
        out.append(
            f'<line x1="{PAD}" y1="{y:.1f}" x2="{PAD + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        out.append(f'<text x="{PAD - 8}" y="{y + 4:.1f}" text-anchor="end">{tick}%</text>')
    for i, x in enumerate(xs):
        px = PAD + i * step
        out.append(f'<text x="{px:.1f}" y="{PAD + plot_h + 18}" text-anchor="middle">{x}</text>')
    label = "cut-off K (top K per target)"
    out.append(f'<text x="{WIDTH / 2}" y="{HEIGHT - 12}" text-anchor="middle">{label}</text>')
    for n, (name, values) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, v) for i, v in enumerate(values)))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, v in enumerate(values):
            x, y = point(i, v)
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
            out.append(
                f'<text x="{x + 5:.1f}" y="{y - 6 + 14 * n:.1f}" fill="{colour}">{v:.0%}</text>'
            )
        ly = PAD + plot_h - 40 + 16 * n
        out.append(
            f'<rect x="{PAD + plot_w - 120}" y="{ly - 9}" width="12" height="3" fill="{colour}"/>'
        )
        out.append(f'<text x="{PAD + plot_w - 102}" y="{ly - 4}">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"

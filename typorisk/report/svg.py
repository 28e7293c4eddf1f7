"""Chart geometry for reviews: pure functions from numbers to SVG shapes, drawn by a template.

Hand-drawn rather than from a library, on purpose: the review has three chart kinds (a
histogram, a horizontal bar chart, a line chart of a few runs) and an operation picture,
about 200 lines here. pygal's SVG loads its JavaScript from a CDN by default and matplotlib
(≈ 40 MB installed) turns text into paths unless configured; either would put a network
reference or unselectable text into a page that must be self-contained, printable and
searchable. Each function returns a :class:`Chart` (a list of :class:`Shape`); the markup lives
in ``templates/svg.html.j2``, which escapes every attribute and text.

Units: every coordinate is in CSS pixels; risk is in [0, 1]; counts are domains.
Colours: :data:`CATEGORY_COLOURS` is keyed by capture category name, so a category has the same
colour in every review whatever else the data holds; an unknown category is grey.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

CATEGORY_COLOURS: Mapping[str, str] = {
    "catch-all": "#b2182b",
    "mx": "#d6604d",
    "wildcard-mail": "#e08214",
    "implicit": "#f4a582",
    "wildcard": "#8073ac",
    "registered": "#4393c3",
    "unknown": "#878787",
    "unregistered": "#92c5de",
    "null-mx": "#1a9850",
}
"""Capture category → colour, fixed (ColorBrewer RdBu/PuOr tones: warm can receive mail)."""
OTHER_COLOUR = "#4d4d4d"
SERIES_COLOURS = ("#2166ac", "#b2182b", "#1a9850")
"""Line colours of trend series, by series position (the series are fixed in code)."""
FONT = "sans-serif"
LABEL_MAX = 24
"""Characters of a node label in an operation picture (longer names end in "…"; the tooltip
holds the whole name): 24 characters of 11 px text fit beside the circle."""


@dataclass(frozen=True, slots=True)
class Shape:
    """One SVG element: ``tag`` from this module only, attributes and text from data (escaped
    by the template)."""

    tag: str
    attrs: Mapping[str, str]
    text: str = ""
    title: str = ""
    """Tooltip (an SVG ``<title>`` child), or ``""``."""


@dataclass(frozen=True, slots=True)
class Chart:
    """An ``<svg>`` of ``width`` × ``height`` CSS pixels."""

    label: str
    width: int
    height: int
    shapes: list[Shape] = field(default_factory=list)


def colour_of(category: str) -> str:
    """The fixed colour of a capture category (grey when unknown)."""
    return CATEGORY_COLOURS.get(category, OTHER_COLOUR)


def _f(value: float) -> str:
    return f"{value:.1f}"


def text(
    x: float, y: float, value: str, *, size: int = 12, anchor: str = "start", **more: str
) -> Shape:
    """A text element."""
    attrs = {"x": _f(x), "y": _f(y), "font-size": str(size), "text-anchor": anchor}
    return Shape("text", {**attrs, "font-family": FONT, **more}, value)


def line(  # noqa: PLR0917 - two points and a stroke read best positionally
    x1: float, y1: float, x2: float, y2: float, colour: str = "#999", width: float = 1
) -> Shape:
    """A line segment."""
    return Shape(
        "line",
        {"x1": _f(x1), "y1": _f(y1), "x2": _f(x2), "y2": _f(y2), "stroke": colour,
         "stroke-width": str(width)},
    )  # fmt: skip


def nice_ticks(peak: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``peak`` (1, 2 or 5 × 10^k apart)."""
    if peak <= 0:
        return [0.0, 1.0]
    raw = peak / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0) if peak >= 1 else step
    return [i * step for i in range(math.ceil(peak / step - 1e-9) + 1)]


def _num(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True, slots=True)
class _Frame:
    left: float
    top: float
    width: float
    height: float
    peak: float

    def y(self, value: float) -> float:
        return self.top + self.height * (1 - value / self.peak)


def _y_axis(frame: _Frame, ticks: Sequence[float], unit: str) -> list[Shape]:
    out = [line(frame.left, frame.top, frame.left, frame.top + frame.height, "#333")]
    for tick in ticks:
        y = frame.y(tick)
        out.append(line(frame.left - 4, y, frame.left + frame.width, y, "#e3e3e3"))
        out.append(text(frame.left - 7, y + 4, _num(tick), size=11, anchor="end"))
    mid = frame.top + frame.height / 2
    out.append(text(14, mid, unit, size=11, anchor="middle", transform=f"rotate(-90 14 {mid:.1f})"))
    return out


def histogram(
    title: str, counts: Sequence[int], *, x_unit: str, y_unit: str, high_from: float = 0.5
) -> Chart:
    """Counts per equal bin of [0, 1] (risk deciles): bars on a 0–1 axis with ticks at the bin
    edges, a y axis with round ticks, both axes titled with their unit; bins from
    ``high_from`` (the threshold, rounded down to a bin edge) are red, lower ones blue."""
    chart = Chart(title, 520, 260)
    peak_ticks = nice_ticks(max(counts, default=0))
    frame = _Frame(56, 34, 440, 170, peak_ticks[-1] or 1)
    chart.shapes.append(text(chart.width / 2, 18, title, size=14, anchor="middle"))
    chart.shapes.extend(_y_axis(frame, peak_ticks, y_unit))
    slot = frame.width / max(len(counts), 1)
    base = frame.top + frame.height
    for i, value in enumerate(counts):
        y = frame.y(value)
        low, high = i / len(counts), (i + 1) / len(counts)
        chart.shapes.append(
            Shape(
                "rect",
                {
                    "x": _f(frame.left + i * slot + 1),
                    "y": _f(y),
                    "width": _f(slot - 2),
                    "height": _f(base - y),
                    "fill": "#b2182b" if high >= high_from + 1e-9 else "#4393c3",
                },
                title=f"{value} {y_unit} with risk {low:.1f}–{high:.1f}",
            )
        )
        if value:
            chart.shapes.append(
                text(frame.left + (i + 0.5) * slot, y - 3, str(value), size=10, anchor="middle")
            )
    chart.shapes.append(line(frame.left, base, frame.left + frame.width, base, "#333"))
    for i in range(len(counts) + 1):
        x = frame.left + i * slot
        chart.shapes.append(line(x, base, x, base + 4, "#333"))
        chart.shapes.append(
            text(x, base + 16, f"{i / max(len(counts), 1):.1f}", size=11, anchor="middle")
        )
    chart.shapes.append(
        text(frame.left + frame.width / 2, base + 34, x_unit, size=11, anchor="middle")
    )
    return chart


def category_bars(title: str, counts: Mapping[str, int], *, unit: str) -> Chart:
    """Horizontal bars, one per category (in the given order), each in its fixed colour, with
    its count at the end and an x axis of round ticks titled with ``unit``."""
    rows = list(counts.items())
    chart = Chart(title, 520, 70 + 24 * max(len(rows), 1))
    chart.shapes.append(text(chart.width / 2, 18, title, size=14, anchor="middle"))
    ticks = nice_ticks(max(counts.values(), default=0))
    left, top, width = 110, 30, 370
    peak = ticks[-1] or 1
    for i, (name, value) in enumerate(rows):
        y = top + 24 * i
        bar = width * value / peak
        chart.shapes.append(text(left - 6, y + 15, name, size=11, anchor="end"))
        chart.shapes.append(
            Shape(
                "rect",
                {
                    "x": str(left),
                    "y": _f(y + 3),
                    "width": _f(bar),
                    "height": "16",
                    "fill": colour_of(name),
                },
                title=f"{name}: {value} {unit}",
            )
        )
        chart.shapes.append(text(left + bar + 4, y + 15, str(value), size=11))
    base = top + 24 * max(len(rows), 1) + 4
    chart.shapes.append(line(left, top, left, base, "#333"))
    chart.shapes.append(line(left, base, left + width, base, "#333"))
    for tick in ticks:
        x = left + width * tick / peak
        chart.shapes.append(line(x, base, x, base + 4, "#333"))
        chart.shapes.append(text(x, base + 16, _num(tick), size=11, anchor="middle"))
    chart.shapes.append(text(left + width / 2, base + 32, unit, size=11, anchor="middle"))
    return chart


def trend_lines(
    title: str, labels: Sequence[str], series: Mapping[str, Sequence[int]], *, unit: str
) -> Chart:
    """One line per series over runs (``labels``: the x axis, oldest first), points marked and
    the last value written at the end of each line; a legend names the series."""
    chart = Chart(title, 520, 280)
    chart.shapes.append(text(chart.width / 2, 18, title, size=14, anchor="middle"))
    values = [v for s in series.values() for v in s]
    ticks = nice_ticks(max(values, default=0))
    frame = _Frame(56, 34, 400, 170, ticks[-1] or 1)
    chart.shapes.extend(_y_axis(frame, ticks, unit))
    base = frame.top + frame.height
    chart.shapes.append(line(frame.left, base, frame.left + frame.width, base, "#333"))
    step = frame.width / max(len(labels) - 1, 1)

    def x_of(i: int) -> float:
        return frame.left + (i * step if len(labels) > 1 else frame.width / 2)

    every = max(1, math.ceil(len(labels) / 8))  # at most 8 run labels fit
    for i, label in enumerate(labels):
        chart.shapes.append(line(x_of(i), base, x_of(i), base + 4, "#333"))
        if i % every == 0 or i == len(labels) - 1:
            chart.shapes.append(text(x_of(i), base + 16, label, size=10, anchor="middle"))
    chart.shapes.append(
        text(frame.left + frame.width / 2, base + 34, "run (date, UTC)", size=11, anchor="middle")
    )
    for n, (name, points) in enumerate(series.items()):
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        coords = " ".join(f"{_f(x_of(i))},{_f(frame.y(v))}" for i, v in enumerate(points))
        chart.shapes.append(
            Shape(
                "polyline",
                {"points": coords, "fill": "none", "stroke": colour, "stroke-width": "2"},
            )
        )
        for i, v in enumerate(points):
            chart.shapes.append(
                Shape(
                    "circle",
                    {"cx": _f(x_of(i)), "cy": _f(frame.y(v)), "r": "3.5", "fill": colour},
                    title=f"{name}: {v} {unit} ({labels[i]})",
                )
            )
        if points:
            last = len(points) - 1
            chart.shapes.append(
                text(
                    x_of(last) + 7,
                    frame.y(points[last]) + 4,
                    str(points[last]),
                    size=11,
                    fill=colour,
                )
            )
        y = chart.height - 14
        x = frame.left + 200 * n
        chart.shapes.append(line(x, y - 4, x + 18, y - 4, colour, 2))
        chart.shapes.append(text(x + 24, y, name, size=11))
    return chart


KIND_COLOURS: Mapping[str, str] = {
    "cert": "#01665e",
    "san": "#35978f",
    "mx": "#2c3e50",
    "favicon": "#bf812d",
    "fuzzy": "#8c510a",
    "registrant": "#762a83",
    "ip": "#542788",
    "ns": "#7f3b08",
    "net": "#8073ac",
    "owner": "#998ec3",
}
"""Infrastructure kind → colour of its node in an operation picture, fixed."""
SHARED_SHOWN = 5
"""Shared infrastructure nodes drawn in an operation picture (the most identifying)."""


def operation_picture(
    label: str,
    shared: Sequence[tuple[str, str, str]],
    members: Sequence[tuple[str, str, Sequence[int]]],
    *,
    limit: int = 16,
) -> Chart:
    """One operation: its shared infrastructure nodes (``(kind, text, tooltip)``, most
    identifying first; up to :data:`SHARED_SHOWN`) as squares near the centre, labelled with
    their kind and name and coloured by kind; up to ``limit`` look-alikes (``(domain,
    capture category, indices of the shared nodes it points at)``) on a circle, coloured by
    capture category, each joined to the nodes it shares; legends name the kinds and the
    categories; more members are counted."""
    nodes = list(shared)[:SHARED_SHOWN]
    shown = list(members)[:limit]
    categories = list(dict.fromkeys(c for _, c, _ in shown))
    kinds = list(dict.fromkeys(k for k, _, _ in nodes))
    size, radius, inner = 600, 150, 62
    cx, cy = size / 2, 215
    legend = 440
    chart = Chart(f"operation {label}", size, legend + 18 * max(len(categories), len(kinds)) + 8)
    chart.shapes.append(text(cx, 20, label, size=14, anchor="middle", **{"font-weight": "bold"}))
    places: list[tuple[float, float]] = []
    for j in range(len(nodes)):
        if len(nodes) == 1:
            places.append((cx, cy))
        else:
            angle = 2 * math.pi * j / len(nodes) - math.pi / 2
            places.append((cx + inner * math.cos(angle), cy + inner * math.sin(angle)))
    spots = []
    for i in range(len(shown)):
        angle = 2 * math.pi * i / max(len(shown), 1) - math.pi / 2
        spots.append((angle, cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    for (_, _, links), (_, x, y) in zip(shown, spots, strict=True):
        for j in links:
            if j < len(places):
                colour = KIND_COLOURS.get(nodes[j][0], OTHER_COLOUR)
                chart.shapes.append(line(x, y, *places[j], colour, 1.2))
    for (domain, category, _), (angle, x, y) in zip(shown, spots, strict=True):
        chart.shapes.append(
            Shape(
                "circle",
                {"cx": _f(x), "cy": _f(y), "r": "6", "fill": colour_of(category)},
                title=f"{domain} ({category})",
            )
        )
        chart.shapes.append(_member_label(domain, angle, x, y))
    for (kind, name, tip), (x, y) in zip(nodes, places, strict=True):
        colour = KIND_COLOURS.get(kind, OTHER_COLOUR)
        chart.shapes.append(
            Shape(
                "rect",
                {"x": _f(x - 9), "y": _f(y - 9), "width": "18", "height": "18", "fill": colour},
                title=tip,
            )
        )
        short = name if len(name) <= LABEL_MAX else name[: LABEL_MAX - 1] + "…"
        halo = {"stroke": "#fff", "stroke-width": "3", "paint-order": "stroke"}
        chart.shapes.append(text(x, y + 22, short, size=10, anchor="middle", fill=colour, **halo))
    note = f"{len(members)} look-alikes" + (
        f", {len(shown)} shown" if len(members) > len(shown) else ""
    )
    chart.shapes.append(text(cx, legend - 24, note, size=11, anchor="middle"))
    for i, category in enumerate(categories):
        y = legend + 18 * i
        chart.shapes.append(
            Shape("circle", {"cx": "20", "cy": _f(y - 4), "r": "6", "fill": colour_of(category)})
        )
        chart.shapes.append(text(32, y, category, size=11))
    for i, kind in enumerate(kinds):
        y = legend + 18 * i
        fill = KIND_COLOURS.get(kind, OTHER_COLOUR)
        attrs = {"x": "334", "y": _f(y - 10), "width": "12", "height": "12", "fill": fill}
        chart.shapes.append(Shape("rect", attrs))
        chart.shapes.append(text(352, y, f"{kind}: shared {_KIND_WORDS.get(kind, kind)}", size=11))
    return chart


_KIND_WORDS = {
    "cert": "TLS certificate",
    "san": "certificate names",
    "mx": "mail host",
    "favicon": "favicon",
    "fuzzy": "page (fuzzy hash)",
    "registrant": "registrant",
    "ip": "address",
    "ns": "name server",
    "net": "/24 network",
    "owner": "network owner (AS)",
}


def _member_label(domain: str, angle: float, x: float, y: float) -> Shape:
    """A look-alike's name beside its point on the circle (outside it)."""
    right = math.cos(angle) >= 0
    side = abs(math.cos(angle)) > 0.2
    lx = x + (10 if right else -10) if side else x
    ly = y + 4 + (0 if side else 14 * math.copysign(1, math.sin(angle)))
    anchor = ("start" if right else "end") if side else "middle"
    label = domain if len(domain) <= LABEL_MAX else domain[: LABEL_MAX - 1] + "…"
    return text(lx, ly, label, size=11, anchor=anchor)

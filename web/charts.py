"""Server-side SVG charts for the pilot dashboard: no JavaScript, no inline styles, no CDN.

Each chart is an ``<svg>`` whose shapes carry CSS classes (colors live in the stylesheet, so a
strict ``style-src 'self'`` CSP holds), a ``<title>`` per bar or point (hover tooltip, screen
readers) and ``data-value`` attributes (tests read them).
"""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 28, 12, 36


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _open(label: str, kind: str, values: Sequence[float | None]) -> list[str]:
    data = ",".join("" if v is None else _fmt(v) for v in values)
    return [(f'<svg class="chart chart-{kind}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-label="{escape(label)}" data-values="{escape(data)}" xmlns="http://www.w3.org/2000/svg">'),
            f"<title>{escape(label)}</title>"]


def _y_axis(y_max: float) -> list[str]:
    parts = []
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        value = y_max * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(round(value, 1))}</text>')
    return parts


def _x_labels(labels: Sequence[str], xs: Sequence[float]) -> list[str]:
    every = max(1, len(labels) // 8)
    return [f'<text class="axis" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(label)}</text>'
            for i, (label, x) in enumerate(zip(labels, xs)) if i % every == 0 or i == len(labels) - 1]


def empty(label: str, message: str = "No data yet") -> Markup:
    """A placeholder chart with a message."""
    parts = _open(label, "empty", [])
    parts.append(f'<text class="empty" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">{escape(message)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(label: str, labels: Sequence[str], values: Sequence[float], *, unit: str = "") -> Markup:
    """Vertical bars, one per label (e.g. active users per pilot day)."""
    if not labels:
        return empty(label)
    y_max = _nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(labels)
    parts = _open(label, "columns", values) + _y_axis(y_max)
    xs = []
    for i, (name, value) in enumerate(zip(labels, values)):
        h = plot_h * (value / y_max)
        x = LEFT + i * slot + slot * 0.15
        xs.append(LEFT + i * slot + slot / 2)
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{h:.1f}" data-label="{escape(name)}" data-value="{_fmt(value)}">'
                     f"<title>{escape(name)}: {_fmt(value)}{escape(unit)}</title></rect>")
    parts += _x_labels(labels, xs)
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(label: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
               target: float | None = None, target_label: str = "target", unit: str = "") -> Markup:
    """One or more lines over the same x labels, with an optional horizontal target line."""
    if not labels:
        return empty(label)
    peak = max([v for _, values in series for v in values if v is not None] + [target or 0, 0])
    y_max = _nice_max(peak)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(labels) - 1) if len(labels) > 1 else 0
    xs = [LEFT + (i * step if len(labels) > 1 else plot_w / 2) for i in range(len(labels))]
    parts = _open(label, "lines", [v for v in series[0][1]]) + _y_axis(y_max)
    if target is not None:
        y = TOP + plot_h - plot_h * (target / y_max)
        parts.append(f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'data-value="{_fmt(target)}"><title>{escape(target_label)}: {_fmt(target)}</title></line>')
    for index, (name, values) in enumerate(series):
        points = [(x, TOP + plot_h - plot_h * (v / y_max), v, lab)
                  for x, v, lab in zip(xs, values, labels) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
            parts.append(f'<polyline class="line series-{index}" points="{path}"/>')
        for x, y, v, lab in points:
            parts.append(f'<circle class="point series-{index}" cx="{x:.1f}" cy="{y:.1f}" r="3" '
                         f'data-value="{_fmt(v)}"><title>{escape(name)} {escape(lab)}: {_fmt(v)}{escape(unit)}</title>'
                         f"</circle>")
    parts += _x_labels(labels, xs)
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_list(label: str, items: Sequence[tuple[str, float]], *, unit: str = "") -> Markup:
    """Horizontal bars with their labels and values (feature use, ratings, issues by status)."""
    if not items:
        return empty(label)
    row_h = 26
    height = TOP + row_h * len(items) + 8
    label_w = 170
    bar_w = WIDTH - label_w - 70
    top = max((v for _, v in items), default=0) or 1
    data = ",".join(_fmt(v) for _, v in items)
    parts = [(f'<svg class="chart chart-bars" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(label)}" '
             f'data-values="{escape(data)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>')]
    for i, (name, value) in enumerate(items):
        y = TOP + i * row_h
        w = bar_w * (value / top)
        parts.append(f'<text class="label" x="{label_w - 8}" y="{y + 16}" text-anchor="end">{escape(name)}</text>')
        parts.append(f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
                     f'data-label="{escape(name)}" data-value="{_fmt(value)}">'
                     f"<title>{escape(name)}: {_fmt(value)}{escape(unit)}</title></rect>")
        parts.append(f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + 16}">{_fmt(value)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))

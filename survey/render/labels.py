"""Point labels of a scatter chart placed so that they touch no line, point or other label.

A small deterministic repel: each label, in a fixed order, takes the first of a list of
offsets around its point (near ones first) whose box stays inside the axes and clears the
reference lines, every marker, the labels placed before it and the chart's other texts (the
quadrant names). When no offset is free the one with the least overlap is taken. A label
set further than a few points from its point gets a thin leader line.
"""

from __future__ import annotations

from dataclasses import dataclass

Box = tuple[float, float, float, float]      # x0, y0, x1, y1 in display pixels

# (dx, dy) in points: right/left of the point first, then above/below, then further out
_STEPS = ((4, 0), (-4, 0), (0, 4), (0, -4), (4, 4), (-4, 4), (4, -4), (-4, -4))
OFFSETS: tuple[tuple[float, float], ...] = tuple((dx * k, dy * k) for k in (1, 2.5, 4, 6) for dx, dy in _STEPS)
LEADER_BEYOND = 8.0     # points: a label further than this from its point gets a leader line


@dataclass(frozen=True)
class Placed:
    """Where a label went: its text, its box (display pixels) and its offset (points)."""

    text: str
    box: Box
    offset: tuple[float, float]


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _anchor(dx: float, dy: float) -> tuple[str, str]:
    ha = "left" if dx > 0 else "right" if dx < 0 else "center"
    va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
    return ha, va


def _box(px: float, py: float, w: float, h: float, dx: float, dy: float, scale: float) -> Box:
    ha, va = _anchor(dx, dy)
    x0 = px + dx * scale - (w if ha == "right" else w / 2 if ha == "center" else 0)
    y0 = py + dy * scale - (h if va == "top" else h / 2 if va == "center" else 0)
    return (x0, y0, x0 + w, y0 + h)


def _cost(box: Box, *, frame: Box, vlines, hlines, markers, taken, pad: float) -> float:
    """0 when the box is free; else how badly it collides (crossing a line or leaving the frame weighs most)."""
    cost = 0.0
    if box[0] < frame[0] or box[1] < frame[1] or box[2] > frame[2] or box[3] > frame[3]:
        cost += 1e6
    cost += sum(1e5 for x in vlines if box[0] - pad < x < box[2] + pad)
    cost += sum(1e5 for y in hlines if box[1] - pad < y < box[3] + pad)
    grown = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
    # another point's marker is kept further off than the label's own, so no label reads as its neighbour's
    wide = (box[0] - 3 * pad, box[1] - 3 * pad, box[2] + 3 * pad, box[3] + 3 * pad)
    cost += sum(_overlap(wide, m) for m in markers) * 10
    cost += sum(_overlap(grown, t) for t in taken) * 10
    return cost


def label_points(ax, points, *, fontsize: float = 7, vlines=(), hlines=(), marker_pt: float = 2.5) -> list[Placed]:
    """Label each ``(x, y, text)`` point of ``ax`` clear of the lines, the markers and each other.

    Parameters
    ----------
    ax
        A matplotlib axes whose limits and layout are final (call ``tight_layout`` first).
    points : list of (float, float, str)
        Data coordinates and label of each point.
    fontsize : float
        The labels' size in points.
    vlines, hlines : sequence of float
        Data x of vertical lines and y of horizontal lines that labels must not cross.
    marker_pt : float
        The markers' radius in points.

    Returns
    -------
    list of Placed
        One per label, in placing order (its box in display pixels, as drawn).
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()  # the layout is final: the axes' place, limits and texts are measured as drawn
    scale = fig.dpi / 72
    pad = 1.5 * scale
    bb = ax.get_window_extent(renderer)
    frame = (bb.x0, bb.y0, bb.x1, bb.y1)
    others = [tuple(t.get_window_extent(renderer).extents) for t in ax.texts]
    to_px = ax.transData.transform
    vx = [to_px((x, 0))[0] for x in vlines]
    hy = [to_px((0, y))[1] for y in hlines]
    r = marker_pt * scale
    where = [tuple(to_px((x, y))) for x, y, _ in points]
    markers = [(px - r, py - r, px + r, py + r) for px, py in where]
    placed: list[Placed] = []
    order = sorted(range(len(points)), key=lambda i: (-points[i][1], points[i][0], points[i][2]))
    for i in order:
        x, y, text = points[i]
        px, py = where[i]
        probe = ax.annotate(text, (x, y), xytext=(0, 0), textcoords="offset points", fontsize=fontsize)
        ext = probe.get_window_extent(renderer)
        w, h = ext.width, ext.height
        taken = others + [p.box for p in placed]
        scored = [(_cost(_box(px, py, w, h, dx, dy, scale), frame=frame, vlines=vx, hlines=hy, taken=taken, pad=pad,
                         markers=[m for j, m in enumerate(markers) if j != i]), k) for k, (dx, dy) in enumerate(OFFSETS)]
        best = min(scored)[1]
        dx, dy = OFFSETS[best]
        ha, va = _anchor(dx, dy)
        probe.remove()
        far = (dx * dx + dy * dy) ** 0.5 > LEADER_BEYOND
        ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize, ha=ha, va=va,
                    arrowprops=dict(arrowstyle="-", color="#999999", lw=0.4, shrinkA=0, shrinkB=2) if far else None)
        placed.append(Placed(text, _box(px, py, w, h, dx, dy, scale), (dx, dy)))
    return placed

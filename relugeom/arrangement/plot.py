"""A picture of the activation regions and linear pieces of a network on R^2.

Each region is drawn as its exact polygon inside a window (the box, or a square around every
vertex, region point and sample), computed by clipping the window with the region's half-planes
in rational arithmetic and only then converted to floats for drawing. Regions are coloured by
linear piece; hyperplanes where f bends are solid, those where it does not bend are dashed;
samples are black dots. Needs matplotlib (the optional extra ``relugeom[plot]``).

:func:`new_figure` and :func:`save_figure` are the two places relugeom talks to matplotlib
(also for :func:`relugeom.geometry.sampling.plot_convergence`): figures are built without
pyplot, so plotting never switches the caller's backend or leaves figures open, and a missing
matplotlib, an unwritable path or an unknown image format are clear input errors.
"""

from __future__ import annotations

import itertools
import os
from fractions import Fraction
from typing import Any, Sequence

from ..errors import InputError
from ..exact.numbers import describe_value as float_text
from .pieces import adjacency_graph


def _value(normal, offset, point) -> Fraction:
    return normal[0] * point[0] + normal[1] * point[1] + offset


def _clip(polygon: list, normal, offset, sign: int) -> list:
    """The part of a convex polygon where sign·(normal·x + offset) ≥ 0 (Sutherland–Hodgman)"""
    out = []
    for P, Q in zip(polygon, polygon[1:] + polygon[:1]):
        fp, fq = sign * _value(normal, offset, P), sign * _value(normal, offset, Q)
        if fp >= 0:
            out.append(P)
        if (fp > 0 > fq) or (fp < 0 < fq):
            t = fp / (fp - fq)
            out.append((P[0] + t * (Q[0] - P[0]), P[1] + t * (Q[1] - P[1])))
    return out


def _window(report, box) -> tuple[Fraction, Fraction, Fraction, Fraction]:
    if box is not None:
        lo, hi = box
        return lo, hi, lo, hi
    points = [cell.point for cell in report.regions.cells] + list(report.X or ())
    for (u, c), (v, e) in itertools.combinations(report.regions.arrangement.hyperplanes, 2):
        det = u[0] * v[1] - u[1] * v[0]
        if det:
            points.append((Fraction(-c * v[1] + e * u[1], det),
                           Fraction(-u[0] * e + v[0] * c, det)))
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), Fraction(2))
    margin = span / 5
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    half = span / 2 + margin
    return cx - half, cx + half, cy - half, cy + half


def _check_drawable(x0: Fraction, x1: Fraction, y0: Fraction, y1: Fraction) -> None:
    """The picture is drawn in floats: refuse a window floats cannot show (beyond ±1.8e308,
    or so narrow that its sides round to the same float)."""
    try:
        corners = [float(q) for q in (x0, x1, y0, y1)]
    except OverflowError:
        corners = None
    if corners is None or not corners[0] < corners[1] or not corners[2] < corners[3]:
        raise InputError(f"the plot window [{float_text(x0)}, {float_text(x1)}] × "
                         f"[{float_text(y0)}, {float_text(y1)}] cannot be drawn in floats (too "
                         "large or too narrow); choose a --box of moderate size, or move the "
                         "samples (the regions and pieces themselves are computed exactly)")


def _piece_colouring(report, colours: int) -> list[int]:
    """A colour per piece of a shallow network's report (:func:`_colouring`)."""
    cells, cell_piece = report.regions.cells, report.pieces.cell_piece
    neighbours: list[set[int]] = [set() for _ in range(report.pieces.count)]
    for i, k in adjacency_graph(report.regions.arrangement, cells).edges:
        if cell_piece[i] != cell_piece[k]:
            neighbours[cell_piece[i]].add(cell_piece[k])
            neighbours[cell_piece[k]].add(cell_piece[i])
    return _colouring(neighbours, colours)


def _colouring(neighbours: list, colours: int) -> list[int]:
    """Piece p gets colour p mod ``colours`` unless an adjacent piece already has it, then the
    next free one."""
    colour: list[int] = []
    for p, near in enumerate(neighbours):
        taken = {colour[q] for q in near if q < p}
        choice = next((c % colours for c in range(p, p + colours) if c % colours not in taken),
                      p % colours)
        colour.append(choice)
    return colour


def new_figure(**options: Any) -> Any:
    """A matplotlib ``Figure`` (not registered with pyplot), or InputError without matplotlib."""
    try:
        import matplotlib  # noqa: F401  (first, so that a blocked or missing matplotlib is seen)
        from matplotlib.figure import Figure
    except ImportError:
        raise InputError("plotting needs matplotlib, an optional extra: pip install "
                         "'relugeom[plot]' (or pip install matplotlib)") from None
    return Figure(**options)


def check_plot_path(path: str) -> None:
    """Refuse, before any work, a plot that could not be written: matplotlib missing, a format
    matplotlib does not write (from the extension), or a folder that does not exist or is not
    writable."""
    supported = new_figure().canvas.get_supported_filetypes()
    extension = os.path.splitext(path)[1].lstrip(".").lower()
    if extension not in supported:
        raise InputError(f"cannot write the plot to {path!r}: the format "
                         f"{extension or '(no extension)'!r} is not one matplotlib writes "
                         f"({', '.join(sorted(supported))})")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise InputError(f"cannot write the plot to {path!r}: the folder {folder!r} does not "
                         "exist or is not writable")
    if os.path.isdir(path):
        raise InputError(f"cannot write the plot to {path!r}: it is a directory")


def save_figure(fig: Any, path: str) -> str:
    """Write ``fig`` to ``path`` (format from the extension: .png, .pdf, .svg, ...)."""
    try:
        fig.savefig(path, dpi=120)
    except OSError as exc:
        raise InputError(f"cannot write the plot to {path!r}: {exc.strerror or exc}") from None
    except ValueError as exc:   # e.g. "Format 'txt' is not supported"
        raise InputError(f"cannot write the plot to {path!r}: {exc}") from None
    return path


def plot_regions(report, path: str, box: Sequence | None = None) -> str:
    """Draw the regions and pieces of a :class:`~relugeom.arrangement.regions.RegionReport`
    with d = 2.

    Returns ``path``. Raises InputError when d ≠ 2, matplotlib is missing, or the file cannot
    be written.
    """
    arrangement = report.regions.arrangement
    fig, ax, square = _canvas(arrangement.dimension, lambda: _window(report, box))
    from matplotlib import colormaps

    colours = colormaps["tab20"].colors
    colour_of = _piece_colouring(report, len(colours))
    for cell, piece in zip(report.regions.cells, report.pieces.cell_piece):
        polygon = square
        for (normal, offset), side in zip(arrangement.hyperplanes, cell.side):
            polygon = _clip(polygon, normal, offset, side)
            if not polygon:
                break
        if len(polygon) >= 3:
            ax.fill([float(p[0]) for p in polygon], [float(p[1]) for p in polygon],
                    color=colours[colour_of[piece]], alpha=0.55, linewidth=0)
    bending = set(report.pieces.bending)
    for h, (normal, offset) in enumerate(arrangement.hyperplanes):
        ends = []
        for P, Q in zip(square, square[1:] + square[:1]):
            fp, fq = _value(normal, offset, P), _value(normal, offset, Q)
            if fp == 0:
                ends.append(P)
            elif fp * fq < 0:
                t = fp / (fp - fq)
                ends.append((P[0] + t * (Q[0] - P[0]), P[1] + t * (Q[1] - P[1])))
        if len(ends) >= 2:
            style = dict(color="black", linewidth=1.2) if h in bending else \
                dict(color="dimgray", linewidth=0.9, linestyle="--")
            ax.plot([float(ends[0][0]), float(ends[-1][0])],
                    [float(ends[0][1]), float(ends[-1][1])], **style)
    title = (f"{report.regions.count} activation regions, {report.pieces.count} linear pieces"
             "\n(colour = linear piece; solid: f bends, dashed: f does not bend)")
    return _finish(fig, ax, square, report.X, title, path)


def _canvas(dimension: int, window: Any) -> tuple[Any, Any, list]:
    """(figure, axes, the corners of ``window()``) for a picture on R², or InputError when
    d ≠ 2, matplotlib is missing or floats cannot show the window."""
    if dimension != 2:
        raise InputError(f"--plot draws networks with 2 inputs; this one has {dimension}")
    fig = new_figure(figsize=(6.4, 6.4), layout="tight")
    x0, x1, y0, y1 = window()
    _check_drawable(x0, x1, y0, y1)
    return fig, fig.subplots(), [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _finish(fig: Any, ax: Any, square: list, X: Any, title: str, path: str) -> str:
    """Samples on top, the window, the title; then the file."""
    if X:
        ax.scatter([float(x[0]) for x in X], [float(x[1]) for x in X], s=14, color="black",
                   zorder=3, label="samples")
    (x0, y0), (x1, y1) = square[0], square[2]
    ax.set_xlim(float(x0), float(x1))
    ax.set_ylim(float(y0), float(y1))
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10)
    return save_figure(fig, path)



def _deep_window(report, box) -> tuple[Fraction, Fraction, Fraction, Fraction]:
    """The box, or a square around every region point, facet witness and sample."""
    if box is not None:
        lo, hi = box
        return lo, hi, lo, hi
    points = [r.point for r in report.regions.regions]
    points += [f.witness for r in report.regions.regions for f in r.facets]
    points += list(report.X or ())
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), Fraction(2))
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    half = span / 2 + span / 5
    return cx - half, cx + half, cy - half, cy + half


def plot_deep_regions(report, path: str, box: Sequence | None = None) -> str:
    """Draw the regions and pieces of a deep network with d = 2
    (:class:`~relugeom.arrangement.deep.DeepRegionReport`): each region is its exact polygon
    (the window clipped by its facets), coloured by linear piece; each facet is drawn where it
    bounds a region, so the zero set of a deeper neuron appears as the bent line it is, in the
    colour of its layer (solid where f bends, dashed where it does not); samples are black dots.
    """
    regions = report.regions
    fig, ax, square = _canvas(regions.network.input_dim, lambda: _deep_window(report, box))
    from matplotlib import colormaps

    fills = colormaps["tab20"].colors
    layers = colormaps["Dark2"].colors
    cell_piece = report.pieces.cell_piece
    neighbours = [set() for _ in range(report.pieces.count)]
    for i, k in regions.graph.edges:
        if cell_piece[i] != cell_piece[k]:
            neighbours[cell_piece[i]].add(cell_piece[k])
            neighbours[cell_piece[k]].add(cell_piece[i])
    colour_of = _colouring(neighbours, len(fills))
    bends = {(i, neurons) for i, k, neurons in regions.graph.edges(data="hyperplane")
             if cell_piece[i] != cell_piece[k]}
    bends |= {(k, neurons) for i, k, neurons in regions.graph.edges(data="hyperplane")
              if cell_piece[i] != cell_piece[k]}
    drawn = set()
    for i, region in enumerate(regions.regions):
        polygon = square
        for f in region.facets:
            polygon = _clip(polygon, f.normal, f.offset, 1)
            if not polygon:
                break
        if len(polygon) < 3:
            continue
        ax.fill([float(p[0]) for p in polygon], [float(p[1]) for p in polygon],
                color=fills[colour_of[cell_piece[i]]], alpha=0.55, linewidth=0)
        for f in region.facets:
            if not f.neurons:
                continue
            for P, Q in zip(polygon, polygon[1:] + polygon[:1]):
                if _value(f.normal, f.offset, P) == 0 == _value(f.normal, f.offset, Q):
                    key = frozenset((P, Q))
                    if key in drawn:
                        continue
                    drawn.add(key)
                    layer = min(l for l, _ in f.neurons)
                    ax.plot([float(P[0]), float(Q[0])], [float(P[1]), float(Q[1])],
                            color=layers[(layer - 1) % len(layers)], linewidth=1.2,
                            linestyle="-" if (i, f.neurons) in bends else "--")
    return _finish(fig, ax, square, report.X,
                   f"{regions.count} activation regions, {report.pieces.count} linear pieces\n"
                   "(colour = linear piece; lines coloured by layer; dashed: f does not bend)",
                   path)

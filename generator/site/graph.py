"""Layered layout of the task dependency graph, for an SVG drawn by a template.

Layers are dependency depth (longest path from a root). A layer wider than
`per_row` nodes wraps onto several rows, so 500 tasks stay one picture that
scales through its viewBox instead of a strip miles wide. Nodes within a
layer are ordered by the mean position of their dependencies (one
barycentre pass), ties by id, which keeps edges short and the output stable.

From `COMPACT_FROM` tasks on, boxes with a status line would make a picture
many screens tall (a 500-task spec can be 270 layers deep), so the graph is
drawn compact instead: depth runs left to right, each layer a column of small
cells (a tall layer wraps into several columns), and the columns wrap into
bands stacked top to bottom like lines of text. Every task keeps its cell,
its status colour and border, its link and its tooltip; dependencies are
drawn between cells of the same band only (the task table lists them all).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.spec.ids import id_key

NODE_W, NODE_H = 132, 44
GAP_X, GAP_Y, LAYER_GAP = 16, 18, 40
MARGIN, LEGEND_H = 12, 34
COMPACT_FROM = 150
CELL_H, CELL_GAP, LAYER_GAP_X, BAND_GAP, BAND_LABEL_H = 20, 4, 12, 16, 18
MAX_ROWS, BAND_W = 10, 1180


@dataclass
class Node:
    id: str
    status: str
    title: str
    href: str
    x: int = 0
    y: int = 0
    layer: int = 0


@dataclass
class Edge:
    src: str
    dst: str
    d: str


@dataclass
class GraphLayout:
    width: int
    height: int
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    legend: list[tuple[str, int, int]] = field(default_factory=list)  # status, count, x
    layers: int = 0
    node_w: int = NODE_W
    node_h: int = NODE_H
    compact: bool = False
    bands: list[tuple[str, int, int]] = field(default_factory=list)  # label, x, y


def depths(deps: dict[str, list[str]]) -> dict[str, int]:
    """Longest-path depth of every node; edges that would close a cycle are ignored."""
    depth: dict[str, int] = {}
    for start in sorted(deps, key=id_key):
        if start in depth:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        on_path: set[str] = set()
        while stack:
            node, i = stack.pop()
            parents = [p for p in deps.get(node, []) if p in deps]
            if i == 0:
                on_path.add(node)
            if i < len(parents):
                stack.append((node, i + 1))
                p = parents[i]
                if p not in depth and p not in on_path:
                    stack.append((p, 0))
                continue
            on_path.discard(node)
            depth[node] = 1 + max((depth[p] for p in parents if p in depth), default=-1)
    return depth


def layout(
    tasks: list[tuple[str, list[str], str, str, str]],
    statuses: list[str],
    per_row: int = 8,
    compact_from: int = COMPACT_FROM,
) -> GraphLayout:
    """Place `(id, depends_on, status, title, href)` tasks; `statuses` orders the legend."""
    deps = {t[0]: [d for d in t[1] if d != t[0]] for t in tasks}
    info = {t[0]: t for t in tasks}
    depth = depths(deps)
    n_layers = max(depth.values(), default=-1) + 1
    layers: list[list[str]] = [[] for _ in range(n_layers)]
    for tid in sorted(depth, key=id_key):
        layers[depth[tid]].append(tid)
    if len(tasks) >= compact_from:
        return _compact(layers, deps, info, statuses)

    cols = max(1, min(per_row, max((len(layer) for layer in layers), default=1)))
    width = 2 * MARGIN + cols * NODE_W + (cols - 1) * GAP_X
    pos: dict[str, float] = {}
    nodes: dict[str, Node] = {}
    y = MARGIN + LEGEND_H
    for li, layer in enumerate(layers):
        layer.sort(key=lambda t: (_barycentre(deps[t], pos), id_key(t)))
        for r0 in range(0, len(layer), cols):
            row = layer[r0 : r0 + cols]
            row_w = len(row) * NODE_W + (len(row) - 1) * GAP_X
            x0 = (width - row_w) // 2
            for ci, tid in enumerate(row):
                _, _, status, title, href = info[tid]
                x = x0 + ci * (NODE_W + GAP_X)
                nodes[tid] = Node(tid, status, title, href, x, y, li)
                pos[tid] = x + NODE_W / 2
            y += NODE_H + GAP_Y
        y += LAYER_GAP - GAP_Y
    height = max(y - LAYER_GAP + MARGIN, MARGIN * 2 + LEGEND_H)

    edges = []
    for tid in sorted(nodes, key=id_key):
        for p in sorted(set(deps[tid]), key=id_key):
            if p in nodes and nodes[p].layer < nodes[tid].layer:
                edges.append(Edge(p, tid, _path(nodes[p], nodes[tid])))

    legend, lx = _legend(nodes, statuses)
    width = max(width, lx + MARGIN)
    ordered = sorted(nodes.values(), key=lambda n: (n.layer, n.y, n.x))
    return GraphLayout(width, height, ordered, edges, legend, n_layers)


def _legend(nodes: dict[str, Node], statuses: list[str]) -> tuple[list[tuple[str, int, int]], int]:
    counts: dict[str, int] = {}
    for n in nodes.values():
        counts[n.status] = counts.get(n.status, 0) + 1
    order = [s for s in statuses if s in counts] + sorted(s for s in counts if s not in statuses)
    legend, lx = [], MARGIN
    for s in order:
        legend.append((s, counts[s], lx))
        lx += 34 + 9 * (len(s) + len(str(counts[s])) + 4)
    return legend, lx


def _compact(layers: list[list[str]], deps: dict[str, list[str]], info: dict[str, tuple],
             statuses: list[str]) -> GraphLayout:
    """Depth left to right in small cells, wrapped into bands (see the module docstring)."""
    cell_w = 10 + 7 * max((len(t) for layer in layers for t in layer), default=5)
    step_x, step_y = cell_w + CELL_GAP, CELL_H + CELL_GAP
    nodes: dict[str, Node] = {}
    band_of: dict[str, int] = {}
    pos: dict[str, float] = {}
    bands: list[tuple[str, int, int]] = []
    band, band_top, band_h, x = 0, MARGIN + LEGEND_H + BAND_LABEL_H, 0, MARGIN
    first_layer = 0
    right = MARGIN
    for li, layer in enumerate(layers):
        layer.sort(key=lambda t: (_barycentre(deps[t], pos), id_key(t)))
        n_cols = -(-len(layer) // MAX_ROWS)
        rows = min(len(layer), MAX_ROWS)
        w = n_cols * step_x - CELL_GAP
        if x > MARGIN and x + w > BAND_W:
            bands.append((_band_label(first_layer, li - 1), MARGIN, band_top - 6))
            band += 1
            band_top += band_h + BAND_GAP + BAND_LABEL_H
            band_h, x, first_layer = 0, MARGIN, li
        for k, tid in enumerate(layer):
            _, _, status, title, href = info[tid]
            nx, ny = x + (k // MAX_ROWS) * step_x, band_top + (k % MAX_ROWS) * step_y
            nodes[tid] = Node(tid, status, title, href, nx, ny, li)
            band_of[tid] = band
            pos[tid] = ny + CELL_H / 2
        band_h = max(band_h, rows * step_y - CELL_GAP)
        right = max(right, x + w)
        x += w + LAYER_GAP_X
    if layers:
        bands.append((_band_label(first_layer, len(layers) - 1), MARGIN, band_top - 6))
    height = band_top + band_h + MARGIN
    edges = []
    for tid in sorted(nodes, key=id_key):
        b = nodes[tid]
        for p in sorted(set(deps[tid]), key=id_key):
            a = nodes.get(p)
            if a is not None and a.layer < b.layer and band_of[p] == band_of[tid]:
                edges.append(Edge(p, tid, f"M{a.x + cell_w} {a.y + CELL_H // 2} L{b.x} {b.y + CELL_H // 2}"))
    legend, lx = _legend(nodes, statuses)
    width = max(right + MARGIN, lx + MARGIN)
    ordered = sorted(nodes.values(), key=lambda n: (n.layer, n.x, n.y))
    return GraphLayout(width, height, ordered, edges, legend, len(layers), cell_w, CELL_H, True, bands)


def _band_label(a: int, b: int) -> str:
    return f"depth {a + 1}" if a == b else f"depth {a + 1}–{b + 1}"


def _barycentre(parents: list[str], pos: dict[str, float]) -> float:
    xs = [pos[p] for p in parents if p in pos]
    return sum(xs) / len(xs) if xs else -1.0


def _path(a: Node, b: Node) -> str:
    """A vertical S-curve from the bottom of `a` to the top of `b`."""
    x1, y1 = a.x + NODE_W // 2, a.y + NODE_H
    x2, y2 = b.x + NODE_W // 2, b.y
    mid = (y1 + y2) // 2
    return f"M{x1} {y1} C{x1} {mid} {x2} {mid} {x2} {y2}"

"""A workflow definition drawn as SVG: states as boxes, transitions as arrows.

Pure: it reads a WorkflowDefinition and returns SVG text, so it is tested
without an application. The layout is deterministic: a state's row is its
distance (breadth first) from the initial state; the states of one row stand
side by side in definition order; side exits (final states that end before
the main line does, e.g. withdrawn, rejected) stand in a column on the right.
An arrow is straight when it can be, otherwise bent until it clears the boxes
and labels already drawn; a transition back to its own state is a loop.

Every text comes from files an administrator edits, so every text is escaped
(``escape`` for text, ``quoteattr`` for attributes).
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

BOX_W, BOX_H, COL, ROW, MARGIN = 180, 66, 350, 180, 20
CHAR_W, LINE_H = 7.2, 15
OFFSETS = (0, 45, -45, 90, -90, 135, -135, 180, -180, 230, -230)
LOOP_SIDES = ((1, 0), (-1, 0), (0, -1), (0, 1))  # right, left, above, below

# Fixed texts (Swedish); the HTML view passes translated ones.
TEXTS = {
    "current": "nuvarande läge",
    "initial": "startläge",
    "final": "slutläge",
    "offered": "du kan utföra den nu",
    "loop": "stannar i samma läge",
    "can_do": "Du kan utföra nu:",
    "can_do_nothing": "Du kan inte utföra någon åtgärd i det här läget just nu.",
    "legend_offered": "Tjock heldragen pil: en åtgärd du kan utföra nu.",
    "legend_other": "Tunn streckad pil: övriga åtgärder.",
    "legend_shapes": "Gul ruta med tjock ram: nuvarande läge. Dubbel ram: slutläge. "
                     "Överst: startläget.",
}

STYLE = (
    "text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;"
    "font-size:13px;fill:#1b1b1b}"
    ".box{fill:#fff;stroke:#4a4a4a;stroke-width:1.5}"
    ".inner{fill:none;stroke:#4a4a4a;stroke-width:1}"
    ".current .box{fill:#fff1b8;stroke:#1b1b1b;stroke-width:4}.name{font-weight:600}"
    ".marker{font-style:italic;font-weight:700}.bg{fill:#fff;fill-opacity:.9}"
    ".edge{fill:none;stroke:#4a4a4a;stroke-width:1.5;stroke-dasharray:6 4}"
    ".offered .edge{stroke:#00507a;stroke-width:3.5;stroke-dasharray:none}"
    ".offered text{font-weight:700;fill:#00507a}"
)


@dataclass
class TransitionInfo:
    id: str
    title: str
    to: str
    to_title: str
    roles: tuple
    offered: bool
    loop: bool


@dataclass
class StateInfo:
    id: str
    title: str
    initial: bool
    final: bool
    current: bool
    transitions: list = field(default_factory=list)


def title_of(titles, lang):
    return titles.get(lang) or titles.get("sv") or ""


def describe(definition, lang="sv", current=None, offered=()):
    """The text alternative as data: every state (definition order) with the
    transitions that leave it, which state is current and what is offered."""
    offered = set(offered)
    states = []
    for sid, state in definition.states.items():
        info = StateInfo(sid, title_of(state.title, lang), sid == definition.initial,
                         state.final, sid == current)
        info.transitions = [
            TransitionInfo(t.id, title_of(t.title, lang), t.to_state,
                           title_of(definition.states[t.to_state].title, lang), t.roles,
                           sid == current and t.id in offered, t.to_state == sid)
            for t in definition.transitions.values() if sid in t.from_states]
        states.append(info)
    return states


def layout(definition):
    """Box centres ``{state id: (x, y)}``."""
    layer, frontier = {definition.initial: 0}, [definition.initial]
    while frontier:
        following = []
        for sid in frontier:
            for t in definition.transitions.values():
                if sid in t.from_states and t.to_state not in layer:
                    layer[t.to_state] = layer[sid] + 1
                    following.append(t.to_state)
        frontier = following
    for sid in definition.states:  # unreachable states cannot load; be safe anyway
        layer.setdefault(sid, max(layer.values()) + 1)
    deepest = max(layer.values())
    side = [sid for sid, s in definition.states.items() if s.final and layer[sid] < deepest]
    rows = {}
    for sid in definition.states:
        if sid not in side:
            rows.setdefault(layer[sid], []).append(sid)
    width = max(len(r) for r in rows.values())
    pos = {}
    for row, sids in rows.items():
        for i, sid in enumerate(sids):
            pos[sid] = (MARGIN + (i + (width - len(sids)) / 2) * COL + BOX_W / 2,
                        MARGIN + row * ROW + BOX_H / 2)
    taken = set()
    for sid in side:
        row = layer[sid]
        while row in taken:
            row += 1
        taken.add(row)
        pos[sid] = (MARGIN + width * COL + BOX_W / 2, MARGIN + row * ROW + BOX_H / 2)
    return pos


# -- geometry ---------------------------------------------------------------------
def _box(center, pad=0):
    x, y = center
    return (x - BOX_W / 2 - pad, y - BOX_H / 2 - pad, x + BOX_W / 2 + pad, y + BOX_H / 2 + pad)


def _inside(p, r):
    return r[0] <= p[0] <= r[2] and r[1] <= p[1] <= r[3]


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _distance(a, b):
    return ((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5


def _clip(center, toward):
    """Where the line from a box's centre toward a point leaves the box."""
    dx, dy = toward[0] - center[0], toward[1] - center[1]
    scale = min((BOX_W / 2 + 3) / abs(dx) if dx else 1e9, (BOX_H / 2 + 3) / abs(dy) if dy else 1e9)
    return (center[0] + dx * scale, center[1] + dy * scale)


def _point(c, t):
    """A point on the cubic Bézier ``c`` (four points)."""
    u = 1 - t
    return tuple(u**3 * c[0][i] + 3 * u * u * t * c[1][i] + 3 * u * t * t * c[2][i]
                 + t**3 * c[3][i] for i in range(2))


def _label_box(lines, center):
    w, h = max(len(line) for line in lines) * CHAR_W + 10, len(lines) * LINE_H + 6
    return (center[0] - w / 2, center[1] - h / 2, center[0] + w / 2, center[1] + h / 2)


class _Canvas:
    """Places arrows and labels so they avoid boxes and labels already placed."""

    def __init__(self, pos):
        self.pos = pos
        self.boxes = {sid: _box(c, 4) for sid, c in pos.items()}
        self.labels = []
        self.paths = []  # sample points of every arrow drawn
        self.used = set()  # (pair, signed offset) of arrows already drawn between two states
        self.points = [p for r in self.boxes.values() for p in (r[:2], r[2:])]

    def _score(self, curve, label, ends):
        samples = [_point(curve, i / 20) for i in range(2, 19)]
        hits = sum(10 for sid, r in self.boxes.items()
                   if sid not in ends and any(_inside(p, r) for p in samples))
        hits += sum(10 for r in self.boxes.values() if _overlap(label, r))
        hits += sum(5 for r in self.labels if _overlap(label, r))
        hits += sum(2 for r in self.labels if any(_inside(p, r) for p in samples))
        hits += sum(2 for path in self.paths if any(_inside(p, label) for p in path))
        return hits

    def _keep(self, curve, label):
        self.labels.append(label)
        self.paths.append([_point(curve, i / 20) for i in range(2, 19)])
        self.points += [_point(curve, i / 10) for i in range(11)] + [label[:2], label[2:]]
        return curve, label

    def arrow(self, src, dst, lines):
        a, b, best = self.pos[src], self.pos[dst], None
        length = _distance(a, b)
        normal = ((a[1] - b[1]) / length, (b[0] - a[0]) / length)
        pair = tuple(sorted((src, dst)))
        sign = 1 if pair == (src, dst) else -1  # one offset bends A->B and B->A apart
        for offset in OFFSETS:
            if (pair, offset * sign) in self.used:
                continue
            mid = tuple((a[i] + b[i]) / 2 + 2 * offset * normal[i] for i in range(2))
            p0, p3 = _clip(a, mid), _clip(b, mid)
            curve = (p0, tuple(p0[i] + 2 / 3 * (mid[i] - p0[i]) for i in range(2)),
                     tuple(p3[i] + 2 / 3 * (mid[i] - p3[i]) for i in range(2)), p3)
            label = _label_box(lines, _point(curve, 0.5))
            score = self._score(curve, label, (src, dst))
            if best is None or score < best[0]:
                best = (score, offset, curve, label)
            if score == 0:
                break
        self.used.add((pair, best[1] * sign))
        return self._keep(best[2], best[3])

    def loop(self, sid, lines):
        (x, y), best = self.pos[sid], None
        probe = _label_box(lines, (0, 0))
        for d in LOOP_SIDES:
            ex, ey = x + d[0] * BOX_W / 2, y + d[1] * BOX_H / 2  # the middle of that side
            sx, sy = (0, 14) if d[0] else (18, 0)  # the loop's two ends, spread along that side
            curve = ((ex - sx, ey - sy), (ex - 3 * sx + d[0] * 70, ey - 3 * sy + d[1] * 70),
                     (ex + 3 * sx + d[0] * 70, ey + 3 * sy + d[1] * 70), (ex + sx, ey + sy))
            apex = _point(curve, 0.5)
            label = _label_box(lines, (apex[0] + d[0] * (probe[2] + 6),
                                       apex[1] + d[1] * (probe[3] + 6)))
            score = self._score(curve, label, (sid,))
            if best is None or score < best[0]:
                best = (score, curve, label)
        return self._keep(best[1], best[2])


# -- SVG ----------------------------------------------------------------------------
def _f(v):
    return f"{v:.1f}"


def _text(lines, cx, top, cls=None):
    """Centred lines of text, the first baseline ``top``."""
    attr = f" class={quoteattr(cls)}" if cls else ""
    spans = "".join(f'<tspan x="{_f(cx)}" dy="{0 if i == 0 else LINE_H}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return f'<text x="{_f(cx)}" y="{_f(top)}" text-anchor="middle"{attr}>{spans}</text>'


def _wrap(text, width):
    return textwrap.wrap(text, width, break_long_words=False) or [""]


def render_svg(definition, *, lang="sv", title=None, current=None, offered=(), texts=None):
    """The SVG text of ``definition``; ``current`` is the state to highlight and
    ``offered`` the ids of the transitions the user may perform now."""
    texts = dict(TEXTS, **(texts or {}))
    states = describe(definition, lang, current, offered)
    title = title or definition.type_name
    pos = layout(definition)
    canvas = _Canvas(pos)
    parts = []
    for info in states:  # loops first: their place is the most constrained
        for t in info.transitions:
            if t.loop:
                parts.append(_edge(t, info, canvas.loop(info.id, _wrap(t.title, 20)), texts))
    # Short arrows first, so the main line stays straight and long ones bend around it.
    arrows = [(info, t) for info in states for t in info.transitions if not t.loop]
    arrows.sort(key=lambda a: _distance(pos[a[0].id], pos[a[1].to]))
    for info, t in arrows:
        parts.append(_edge(t, info, canvas.arrow(info.id, t.to, _wrap(t.title, 20)), texts))
    boxes = [_state(info, pos[info.id], texts) for info in states]

    xs, ys = [p[0] for p in canvas.points], [p[1] for p in canvas.points]
    left, top = min(xs) - MARGIN, min(ys) - MARGIN
    doable = [t.title for s in states if s.current for t in s.transitions if t.offered]
    can_do = f"{texts['can_do']} {', '.join(doable)}." if doable else texts["can_do_nothing"]
    legend, y, longest = _legend(texts, can_do, left, max(ys) + MARGIN + 10)
    width = max(max(xs) + MARGIN, left + 70 + longest * CHAR_W) - left
    height = y + MARGIN - top
    desc = " ".join(_describe_text(states, texts) + [can_do])
    markers = [f'<marker id="wf-arrow{suffix}" viewBox="0 0 10 10" refX="9" refY="5" '
               f'markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto">'
               f'<path d="M0 0L10 5L0 10z" fill="{colour}"/></marker>'
               for suffix, colour in (("", "#4a4a4a"), ("-offered", "#00507a"))]
    return "".join([
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" role="img" '
        f'xml:lang={quoteattr(lang)} aria-labelledby="wf-title wf-desc" '
        f'width="{_f(width)}" height="{_f(height)}" '
        f'viewBox="{_f(left)} {_f(top)} {_f(width)} {_f(height)}">',
        f'<title id="wf-title">{escape(title)}</title>',
        f'<desc id="wf-desc">{escape(desc)}</desc>',
        f"<style>{STYLE}</style>",
        "<defs>", *markers, "</defs>",
        *boxes, *parts, *legend,
        "</svg>\n",
    ])


def _legend(texts, can_do, left, y):
    """The legend's SVG parts, the y below it and its longest line (in characters)."""
    legend = []
    for cls, line in (("offered", texts["legend_offered"]), ("other", texts["legend_other"])):
        legend.append(f'<g class="{cls}"><path class="edge" d="M{_f(left + 10)} {_f(y - 4)} h40"/>'
                      f'<text x="{_f(left + 60)}" y="{_f(y)}">{escape(line)}</text></g>')
        y += LINE_H + 8
    lines = _wrap(texts["legend_shapes"], 95) + _wrap(can_do, 95)
    for line in lines:
        legend.append(f'<text x="{_f(left + 10)}" y="{_f(y)}">{escape(line)}</text>')
        y += LINE_H + 4
    longest = max(len(line) for line in lines + [texts["legend_offered"], texts["legend_other"]])
    return legend, y, longest


def _describe_text(states, texts):
    out = []
    for n, s in enumerate(states, 1):
        marks = [texts[k] for k, on in (("initial", s.initial), ("current", s.current),
                                        ("final", s.final)) if on]
        head = f"{n}. {s.title}" + (f" ({', '.join(marks)})" if marks else "")
        moves = [f"{t.title} → {t.to_title}" + (f" ({texts['loop']})" if t.loop else "")
                 + (f" ({texts['offered']})" if t.offered else "") for t in s.transitions]
        out.append(head + (": " + "; ".join(moves) if moves else "") + ".")
    return out


def _state(info, center, texts):
    x0, y0, x1, y1 = _box(center)
    lines = _wrap(info.title, 22)
    lines = lines[:1] + [lines[1] + " …"] if len(lines) > 2 else lines  # all of it in <title>
    cls = "state current" if info.current else "state"
    tip = (info.title + (f" ({texts['current']})" if info.current else "")
           + (f" ({texts['final']})" if info.final else ""))
    top = center[1] - (len(lines) + info.current) * LINE_H / 2 + 11
    inner = (f'<rect class="inner" x="{_f(x0 + 4)}" y="{_f(y0 + 4)}" width="{BOX_W - 8}" '
             f'height="{BOX_H - 8}" rx="4"/>' if info.final else "")
    marker = (_text([f"● {texts['current']}"], center[0], top + len(lines) * LINE_H, "marker")
              if info.current else "")
    return (f"<g class={quoteattr(cls)} data-state={quoteattr(info.id)}>"
            f"<title>{escape(tip)}</title>"
            f'<rect class="box" x="{_f(x0)}" y="{_f(y0)}" width="{BOX_W}" height="{BOX_H}" rx="8"/>'
            f"{inner}{_text(lines, center[0], top, 'name')}{marker}</g>")


def _edge(t, source, placed, texts):
    curve, label = placed
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = curve
    cls = "transition offered" if t.offered else "transition"
    tip = f"{t.title}: {source.title} → {t.to_title}"
    tip += f" ({texts['offered']})" if t.offered else ""
    lines, cx = _wrap(t.title, 20), (label[0] + label[2]) / 2
    return (f"<g class={quoteattr(cls)} data-transition={quoteattr(t.id)} "
            f"data-from={quoteattr(source.id)}><title>{escape(tip)}</title>"
            f'<path class="edge" marker-end="url(#wf-arrow{"-offered" if t.offered else ""})" '
            f'd="M{_f(x0)} {_f(y0)}C{_f(x1)} {_f(y1)} {_f(x2)} {_f(y2)} {_f(x3)} {_f(y3)}"/>'
            f'<rect class="bg" x="{_f(label[0])}" y="{_f(label[1])}" '
            f'width="{_f(label[2] - label[0])}" height="{_f(label[3] - label[1])}" rx="3"/>'
            f"{_text(lines, cx, label[1] + 14)}</g>")

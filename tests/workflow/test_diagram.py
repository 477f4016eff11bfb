"""The workflow drawn as SVG (workflow.diagram): well-formed, complete, the
current state and the offered transitions marked, the layout deterministic
and uncluttered, and every text from a definition escaped."""

import os
import xml.etree.ElementTree as ET

import pytest
import yaml

from conftest import PROJECT
from partnership_cms.workflow.definition import load_workflow_dir
from partnership_cms.workflow.diagram import describe, layout, render_svg

SVG = "{http://www.w3.org/2000/svg}"
NASTY = "<script>alert(1)</script> \"quotes\" & 'apostrophes'"


class Known(dict):
    """Every guard and action name is known: the diagram never calls them."""

    def __contains__(self, name):
        return True


WORKFLOWS = os.path.join(PROJECT, "workflows")


def definitions(folder=WORKFLOWS):
    return load_workflow_dir(str(folder), Known(), Known())


SHIPPED = definitions()


def parse(svg):
    return ET.fromstring(svg.encode("utf-8"))


def groups(root, attribute):
    return {g.get(attribute): g for g in root.iter(SVG + "g") if g.get(attribute)}


def text_of(element):
    """The visible text of a group: its <text> lines joined, without the tooltip."""
    return " ".join(" ".join(t.itertext()) for t in element.iter(SVG + "text"))


def tooltip(element):
    return element.find(SVG + "title").text


@pytest.mark.parametrize("type_name", sorted(SHIPPED))
def test_every_state_and_transition_is_drawn_with_a_text_alternative(type_name):
    definition = SHIPPED[type_name]
    root = parse(render_svg(definition, title=f"Arbetsflöde för {type_name}"))
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    label_ids = root.get("aria-labelledby").split()
    assert [e.tag for e in root if e.get("id") in label_ids] == [SVG + "title", SVG + "desc"]
    assert root.find(SVG + "title").text == f"Arbetsflöde för {type_name}"
    desc = root.find(SVG + "desc").text

    states = groups(root, "data-state")
    assert set(states) == set(definition.states)
    for sid, state in definition.states.items():
        assert tooltip(states[sid]).startswith(state.title["sv"])
        assert state.title["sv"] in text_of(states[sid]) and state.title["sv"] in desc
    arrows = [g for g in root.iter(SVG + "g") if g.get("data-transition")]
    assert len(arrows) == sum(len(t.from_states) for t in definition.transitions.values())
    for g in arrows:
        t = definition.transitions[g.get("data-transition")]
        assert g.get("data-from") in t.from_states
        assert text_of(g) == t.title["sv"] and t.title["sv"] in desc
        assert g.find(SVG + "path").get("marker-end") == "url(#wf-arrow)"
    assert "nuvarande läge" not in desc  # nothing is current unless asked


def test_current_state_is_highlighted_and_offered_transitions_marked():
    proposal = SHIPPED["Proposal"]
    svg = render_svg(proposal, current="ks", offered=["ks_propose", "ks_table"])
    root = parse(svg)
    states = groups(root, "data-state")
    assert states["ks"].get("class") == "state current"
    assert "nuvarande läge" in text_of(states["ks"])  # a text marker, not colour alone
    assert all(g.get("class") == "state" for sid, g in states.items() if sid != "ks")

    arrows = {
        (g.get("data-transition"), g.get("data-from")): g
        for g in root.iter(SVG + "g")
        if g.get("data-transition")
    }
    offered = {key for key, g in arrows.items() if "offered" in g.get("class").split()}
    assert offered == {("ks_propose", "ks"), ("ks_table", "ks")}
    assert (
        arrows[("ks_propose", "ks")].find(SVG + "path").get("marker-end")
        == "url(#wf-arrow-offered)"
    )
    # withdraw is possible from ks, but not offered to this user: not marked
    assert "offered" not in arrows[("withdraw", "ks")].get("class")
    desc = root.find(SVG + "desc").text
    assert "Du kan utföra nu: Föreslå kommunfullmäktige, Bordlägg." in desc
    assert "Kommunstyrelsen (nuvarande läge)" in desc
    assert "Föreslå kommunfullmäktige, Bordlägg" in " ".join(
        root.itertext()
    )  # the legend lists them


def test_an_offered_transition_from_another_state_is_not_marked():
    root = parse(render_svg(SHIPPED["Proposal"], current="draft", offered=["withdraw"]))
    marked = [
        (g.get("data-transition"), g.get("data-from"))
        for g in root.iter(SVG + "g")
        if g.get("data-transition") and "offered" in g.get("class").split()
    ]
    assert marked == [("withdraw", "draft")]


def test_a_transition_back_to_its_own_state_is_a_loop():
    root = parse(render_svg(SHIPPED["Proposal"]))
    table = groups(root, "data-transition")["ks_table"]
    d = table.find(SVG + "path").get("d")
    start = [float(v) for v in d[1 : d.index("C")].split()]
    end = [float(v) for v in d.split()[-2:]]
    x, y = layout(SHIPPED["Proposal"])["ks"]
    for px, py in (start, end):  # both ends on the box of ks
        assert abs(px - x) <= 91 and abs(py - y) <= 34
    info = next(s for s in describe(SHIPPED["Proposal"]) if s.id == "ks")
    assert [t.id for t in info.transitions if t.loop] == ["ks_table"]


def test_layout_is_layered_from_the_initial_state_with_side_exits_apart():
    pos = layout(SHIPPED["Proposal"])
    rows = {sid: y for sid, (x, y) in pos.items()}
    assert (
        rows["draft"]
        < rows["review"]
        < rows["ks"]
        < rows["kf"]
        == rows["adopted"]
        < rows["dispatched"]
    )
    main = [x for sid, (x, y) in pos.items() if sid not in ("withdrawn", "rejected")]
    assert pos["withdrawn"][0] > max(main) and pos["rejected"][0] > max(main)
    for definition in SHIPPED.values():
        assert render_svg(definition, current=definition.initial) == render_svg(
            definition, current=definition.initial
        )  # deterministic


@pytest.mark.parametrize("type_name", sorted(SHIPPED))
def test_labels_never_cover_a_box(type_name):
    root = parse(render_svg(SHIPPED[type_name]))

    def rect(r):
        x, y = float(r.get("x")), float(r.get("y"))
        return x, y, x + float(r.get("width")), y + float(r.get("height"))

    boxes = [rect(r) for r in root.iter(SVG + "rect") if r.get("class") == "box"]
    labels = [rect(r) for r in root.iter(SVG + "rect") if r.get("class") == "bg"]
    for a in labels:
        assert not any(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3] for b in boxes)
    for i, a in enumerate(boxes):
        assert not any(
            a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3] for b in boxes[i + 1 :]
        )


def test_titles_from_a_definition_are_escaped(tmp_path):
    raw = {
        "type": "Thing",
        "initial": "draft",
        "add_roles": ["officer"],
        "states": [
            {
                "id": "draft",
                "title": {"sv": NASTY, "en": "Draft"},
                "permissions": {"view": ["Owner"]},
            },
            {
                "id": "done",
                "title": "Klar & <b>fet</b>",
                "final": True,
                "permissions": {"view": ["Owner"]},
            },
        ],
        "transitions": [
            {
                "id": "finish",
                "title": {"sv": f"Avsluta {NASTY}", "en": "Finish"},
                "from": ["draft"],
                "to": "done",
                "roles": ["Owner"],
            },
            {
                "id": "again",
                "title": "</text></g><script>x()</script>",
                "from": ["draft"],
                "to": "draft",
                "roles": ["Owner"],
            },
        ],
    }
    (tmp_path / "thing.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    definition = definitions(tmp_path)["Thing"]

    svg = render_svg(definition, title=f"Arbetsflöde {NASTY}", current="draft", offered=["finish"])
    root = parse(svg)  # still well-formed
    assert "<script" not in svg and "<b>" not in svg
    assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "b")]
    assert root.find(SVG + "title").text == f"Arbetsflöde {NASTY}"
    assert NASTY in root.find(SVG + "desc").text
    states, arrows = groups(root, "data-state"), groups(root, "data-transition")
    assert tooltip(states["draft"]).startswith(NASTY)
    assert text_of(states["done"]) == "Klar & <b>fet</b>"
    assert text_of(arrows["finish"]) == f"Avsluta {NASTY}"
    assert text_of(arrows["again"]) == "</text></g><script>x()</script>"
    assert "offered" in arrows["finish"].get("class")

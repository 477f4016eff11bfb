"""The workflow definition validator: every broken definition is refused with
the file and the offending name, the shipped definitions load, and an app
whose workflows folder holds a broken file refuses to start."""
import copy
import os
import shutil

import pytest

from conftest import PROJECT, make_settings
from partnership_cms import configure
from partnership_cms.workflow import get_workflows
from partnership_cms.workflow.definition import (
    WorkflowDefinitionError,
    load_workflow_dir,
    parse_definition,
)

WORKFLOWS = os.path.join(PROJECT, "workflows")
GUARDS = {"complete": None, "needs_param": None}
ACTIONS = {"stamp": None}
SOURCE = "thing.yaml"

VALID = {
    "type": "Thing",
    "initial": "draft",
    "add_roles": ["officer"],
    "states": [
        {"id": "draft", "title": {"sv": "Utkast", "en": "Draft"},
         "permissions": {"view": ["Owner", "clerk"], "edit": ["Owner"]}},
        {"id": "done", "title": "Klar", "final": True, "permissions": {"view": ["Anonymous"]}},
    ],
    "transitions": [
        {"id": "finish", "title": {"sv": "Avsluta", "en": "Finish"},
         "from": ["draft"], "to": "done",
         "roles": ["Owner", "clerk"], "guards": ["complete", {"name": "needs_param", "x": 1}],
         "actions": ["stamp"], "comment": "required",
         "data": [{"name": "when", "type": "date", "default": "today"}]},
    ],
}


def raw(**changes):
    """A deep copy of VALID; ``changes`` replace top-level keys."""
    definition = copy.deepcopy(VALID)
    definition.update(changes)
    return definition


def state(raw_def, sid):
    return next(s for s in raw_def["states"] if s["id"] == sid)


def transition(raw_def, tid="finish"):
    return next(t for t in raw_def["transitions"] if t["id"] == tid)


def refused(raw_def):
    with pytest.raises(WorkflowDefinitionError) as info:
        parse_definition(SOURCE, raw_def, GUARDS, ACTIONS)
    error = info.value
    assert error.source == SOURCE and str(error).startswith(SOURCE + ": ")
    return error


def test_a_valid_definition_is_parsed():
    d = parse_definition(SOURCE, raw(), GUARDS, ACTIONS)
    assert (d.type_name, d.initial, d.add_roles) == ("Thing", "draft", ("officer",))
    assert d.source == SOURCE
    assert d.states["done"].final and not d.states["draft"].final
    assert d.states["done"].title == {"sv": "Klar", "en": "Klar"}
    assert d.states["draft"].permissions == {"view": ("Owner", "clerk"), "edit": ("Owner",)}
    t = d.transitions["finish"]
    assert (t.from_states, t.to_state, t.roles) == (("draft",), "done", ("Owner", "clerk"))
    assert t.comment == "required"
    assert [(s.name, s.params) for s in t.guards] == [("complete", {}), ("needs_param", {"x": 1})]
    assert [s.name for s in t.actions] == ["stamp"]
    assert [f.name for f in t.data_fields] == ["when"]


def test_comment_is_optional_by_default():
    r = raw()
    del transition(r)["comment"]
    assert parse_definition(SOURCE, r, GUARDS, ACTIONS).transitions["finish"].comment == "optional"


@pytest.mark.parametrize("end", ["from", "to"])
def test_unknown_state_in_a_transition(end):
    r = raw()
    transition(r)[end] = ["nowhere"] if end == "from" else "nowhere"
    error = refused(r)
    assert error.name == "finish" and "unknown state 'nowhere'" in str(error)


def test_a_transition_must_leave_from_somewhere():
    r = raw()
    transition(r)["from"] = []
    error = refused(r)
    assert error.name == "finish" and "'from' names no state" in str(error)


@pytest.mark.parametrize("where,offender", [
    ("state permission", "draft"), ("transition roles", "finish"), ("add_roles", "add_roles"),
])
def test_unknown_role(where, offender):
    r = raw()
    if where == "state permission":
        state(r, "draft")["permissions"]["view"].append("mayor")
    elif where == "transition roles":
        transition(r)["roles"].append("mayor")
    else:
        r["add_roles"] = ["mayor"]
    error = refused(r)
    assert error.name == offender and "unknown role 'mayor'" in str(error)


def test_unknown_permission():
    r = raw()
    state(r, "draft")["permissions"]["delete"] = ["Owner"]
    error = refused(r)
    assert error.name == "draft" and "unknown permission 'delete'" in str(error)


@pytest.mark.parametrize("kind,value", [
    ("guard", "no_such_guard"), ("guard", {"name": "no_such_guard", "x": 1}),
    ("action", "no_such_action"), ("action", {"name": "no_such_action"}),
])
def test_unknown_guard_or_action(kind, value):
    r = raw()
    transition(r)[kind + "s"] = [value]
    error = refused(r)
    assert error.name == "finish" and f"unknown {kind} 'no_such_{kind}'" in str(error)


def test_a_step_without_a_name():
    r = raw()
    transition(r)["guards"] = [{"x": 1}]
    error = refused(r)
    assert error.name == "finish" and "a guard is a name or" in str(error)


def test_unreachable_state():
    r = raw()
    r["states"].append({"id": "limbo", "title": "Limbo", "final": True})
    error = refused(r)
    assert error.name == "limbo" and "cannot be reached" in str(error)


def test_non_final_state_with_no_way_out():
    r = raw()
    state(r, "done")["final"] = False
    error = refused(r)
    assert error.name == "done" and "no way out" in str(error)


def test_a_loop_back_to_the_same_state_is_no_way_out():
    r = raw()
    r["states"].append({"id": "stuck", "title": "Fast"})
    r["transitions"] += [
        {"id": "park", "title": "Parkera", "from": ["draft"], "to": "stuck", "roles": ["clerk"]},
        {"id": "wait", "title": "Vänta", "from": ["stuck"], "to": "stuck", "roles": ["clerk"]},
    ]
    error = refused(r)
    assert error.name == "stuck" and "no way out" in str(error)


def test_missing_initial():
    r = raw()
    del r["initial"]
    assert "missing 'initial'" in str(refused(r))


def test_initial_state_not_declared():
    error = refused(raw(initial="nowhere"))
    assert error.name == "nowhere" and "not declared" in str(error)


@pytest.mark.parametrize("key", ["type", "states", "transitions"])
def test_missing_top_level_key(key):
    r = raw()
    del r[key]
    assert f"missing '{key}'" in str(refused(r))


def test_duplicate_state():
    r = raw()
    r["states"].append(copy.deepcopy(state(r, "done")))
    error = refused(r)
    assert error.name == "done" and "declared twice" in str(error)


def test_duplicate_transition():
    r = raw()
    r["transitions"].append(copy.deepcopy(transition(r)))
    error = refused(r)
    assert error.name == "finish" and "declared twice" in str(error)


def test_bad_comment_rule():
    r = raw()
    transition(r)["comment"] = "sometimes"
    error = refused(r)
    assert error.name == "finish" and "comment must be one of" in str(error)


@pytest.mark.parametrize("roles", [[], None, "absent"])
def test_transition_with_no_roles(roles):
    r = raw()
    if roles == "absent":
        del transition(r)["roles"]
    else:
        transition(r)["roles"] = roles
    error = refused(r)
    assert error.name == "finish" and "no role may perform it" in str(error)


@pytest.mark.parametrize("field,reason", [
    ({"name": "when", "type": "datetime"}, "unknown type 'datetime'"),
    ({"name": "when", "type": "date", "colour": "red"}, "unknown keys ['colour']"),
    ({"name": "when", "type": "date", "default": "tomorrow"}, "the only default supported"),
    ({"name": "pick", "type": "choice"}, "needs 'choices'"),
    ({"type": "date"}, "every field needs a 'name'"),
])
def test_bad_data_field(field, reason):
    r = raw()
    transition(r)["data"] = [field]
    error = refused(r)
    assert error.name == "finish" and reason in str(error)
    if "name" in field:
        assert f"finish.{field['name']}" in str(error)


@pytest.mark.parametrize("where,key", [("states", "colour"), ("transitions", "when")])
def test_unknown_keys(where, key):
    r = raw()
    r[where][0][key] = "x"
    assert f"unknown keys ['{key}']" in str(refused(r))


def test_a_title_needs_both_languages():
    r = raw()
    transition(r)["title"] = {"sv": "Avsluta"}
    error = refused(r)
    assert error.name == "finish" and "title must be" in str(error)


@pytest.mark.parametrize("value", [None, [], "text"])
def test_not_a_mapping(value):
    error = refused(value)
    assert error.name is None and "expected a mapping" in str(error)


# -- folders -----------------------------------------------------------------------
def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_invalid_yaml_names_the_file(tmp_path):
    write(tmp_path, "broken.yaml", "type: Thing\nstates: [unclosed\n")
    with pytest.raises(WorkflowDefinitionError) as info:
        load_workflow_dir(str(tmp_path), GUARDS, ACTIONS)
    assert info.value.source == "broken.yaml" and "not valid YAML" in str(info.value)


def test_a_broken_file_in_a_folder_names_the_file(tmp_path):
    import yaml

    write(tmp_path, "a_good.yaml", yaml.safe_dump(raw()))
    bad = raw(type="Other")
    transition(bad)["roles"] = ["mayor"]
    write(tmp_path, "b_bad.yaml", yaml.safe_dump(bad))
    with pytest.raises(WorkflowDefinitionError) as info:
        load_workflow_dir(str(tmp_path), GUARDS, ACTIONS)
    assert str(info.value).startswith("b_bad.yaml: finish: unknown role 'mayor'")


def test_two_files_for_one_type(tmp_path):
    import yaml

    write(tmp_path, "a.yaml", yaml.safe_dump(raw()))
    write(tmp_path, "b.yaml", yaml.safe_dump(raw()))
    with pytest.raises(WorkflowDefinitionError) as info:
        load_workflow_dir(str(tmp_path), GUARDS, ACTIONS)
    assert (info.value.source, info.value.name) == ("b.yaml", "Thing")


def test_missing_folder(tmp_path):
    with pytest.raises(WorkflowDefinitionError, match="not found"):
        load_workflow_dir(str(tmp_path / "nope"), GUARDS, ACTIONS)


def test_other_files_are_ignored(tmp_path):
    write(tmp_path, "README.txt", "not: [yaml")
    assert load_workflow_dir(str(tmp_path), GUARDS, ACTIONS) == {}


# -- the shipped definitions and start-up ----------------------------------------------
@pytest.fixture
def broken_workflows(tmp_path):
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS, folder)
    return folder


def start(tmp_path, workflows):
    """configure + make_wsgi_app on an in-memory database; returns the app or raises."""
    config = configure(make_settings(tmp_path, **{
        "zodbconn.uri": "memory://", "partnership_cms.workflows": str(workflows)}))
    try:
        return config.make_wsgi_app()
    finally:
        config.registry._zodb_databases[""].close()


def test_the_shipped_workflows_load_cleanly(tmp_path):
    app = start(tmp_path, WORKFLOWS)
    workflows = get_workflows(app.registry)
    assert set(workflows.definitions) == {"Proposal", "Decision", "Agreement", "Amendment", "Meeting", "Protocol"}
    again = load_workflow_dir(WORKFLOWS, workflows.guards, workflows.actions)
    assert set(again) == set(workflows.definitions)
    assert all(d.source == d.type_name.lower() + ".yaml" for d in again.values())


@pytest.mark.parametrize("breakage,name", [
    (("roles: [director]\n    guards: [complete]", "roles: [mayor]\n    guards: [complete]"),
     "approve"),
    (("guards: [complete]", "guards: [is_full_moon]"), "submit"),
    (("to: closed", "to: archived"), "close"),
    (("{sv: Återtagen, en: Withdrawn}\n    final: true\n", "{sv: Återtagen, en: Withdrawn}\n"),
     "withdrawn"),
])
def test_the_app_refuses_to_start_with_a_broken_workflow(tmp_path, broken_workflows, breakage,
                                                          name):
    path = broken_workflows / "proposal.yaml"
    text = path.read_text(encoding="utf-8")
    old, new = breakage
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(Exception) as info:
        start(tmp_path, broken_workflows)
    assert f"proposal.yaml: {name}: " in str(info.value)


def test_the_app_refuses_to_start_with_invalid_yaml(tmp_path, broken_workflows):
    with open(broken_workflows / "decision.yaml", "a", encoding="utf-8") as f:
        f.write("\n  - id: [unclosed\n")
    with pytest.raises(Exception) as info:
        start(tmp_path, broken_workflows)
    assert "decision.yaml: not valid YAML" in str(info.value)


@pytest.mark.parametrize("file,old,new,expected", [
    # A misspelt parameter of an action: named with the file, the transition and the parameter.
    ("proposal.yaml", "body: KS, outcome: adopt}", "body: KS, outcom: adopt}",
     "proposal.yaml: ks_adopt: action create_decision: unknown parameter 'outcom' (it takes ['body', "
     "'decision_type', 'outcome'])"),
    ("proposal.yaml", "decision_type: Decision, body: KS, outcome: propose}", "decision_type: Decision, body: KS}",
     "proposal.yaml: ks_propose: action create_decision: missing a required argument: 'outcome'"),
    # A value that names nothing: a choice, a state of another type, a role.
    ("proposal.yaml", "body: KF, outcome: adopt}", "body: KF, outcome: adopted}",
     "proposal.yaml: kf_adopt: action create_decision: parameter 'outcome': 'adopted' is not a choice of "
     "Decision.outcome"),
    ("decision.yaml", "chairs: {KS: ks_chair, KF: kf_chair}", "chairs: {KS: ks_chair, KF: kf_boss}",
     "decision.yaml: justify: guard chair_of_deciding_body: parameter 'chairs': unknown role 'kf_boss'"),
    ("amendment.yaml", "target_state: signed", "target_state: undertecknat",
     "amendment.yaml: apply: guard amends_agreement: parameter 'target_state': unknown state 'undertecknat' "
     "of Agreement"),
    # A legal deadline that dates.DEADLINES does not know; vote fields that do not exist.
    ("decision.yaml", "deadline: justification", "deadline: justering",
     "decision.yaml: justify: guard date_within_deadline: parameter 'deadline': unknown deadline 'justering'"),
    ("proposal.yaml", "votes: [votes_yes, votes_no, votes_abstain]}", "votes: [votes_yes, votes_nej]}",
     "proposal.yaml: ks_propose: guard votes_within_seats: parameter 'votes': unknown fields ['votes_nej'] "
     "of Decision"),
])
def test_guard_and_action_parameters_are_checked_at_start_up(tmp_path, broken_workflows, file, old, new,
                                                              expected):
    path = broken_workflows / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(Exception) as info:
        start(tmp_path, broken_workflows)
    assert expected in str(info.value)


def test_renaming_a_state_that_another_workflow_names_stops_start_up(tmp_path, broken_workflows):
    """Dispatch names the decision's justified state: renaming it there is caught in proposal.yaml."""
    path = broken_workflows / "decision.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("id: justified", "id: approved").replace("[justified]", "[approved]")
                    .replace("to: justified", "to: approved"), encoding="utf-8")
    # agreement.yaml names it too (approve's guard): renamed there, only proposal.yaml is left behind.
    agreement = broken_workflows / "agreement.yaml"
    agreement.write_text(agreement.read_text(encoding="utf-8").replace("[justified,", "[approved,"),
                         encoding="utf-8")
    with pytest.raises(Exception) as info:
        start(tmp_path, broken_workflows)
    assert ("proposal.yaml: dispatch: guard deciding_decision_justified: parameter 'states': "
            "unknown states ['justified'] of Decision") in str(info.value)


def test_not_by_names_transitions_of_the_same_workflow():
    definition = raw()
    definition["transitions"].append({"id": "check", "title": "Kontrollera", "from": ["draft"], "to": "done",
                                      "roles": ["clerk"], "not_by": ["finish"]})
    assert parse_definition(SOURCE, definition, GUARDS, ACTIONS).transitions["check"].not_by == ("finish",)
    transition(definition, "check")["not_by"] = ["submit"]
    assert "check: not_by: unknown transition 'submit'" in str(refused(definition))
    transition(definition, "check")["not_by"] = "finish"
    assert "not_by must be a list" in str(refused(definition))


def test_confirm_and_destructive_are_read():
    plain = parse_definition(SOURCE, raw(), GUARDS, ACTIONS).transitions["finish"]
    assert plain.confirm is None and plain.destructive is False
    definition = raw()
    definition["transitions"][0].update(confirm=True, destructive=True)
    t = parse_definition(SOURCE, definition, GUARDS, ACTIONS).transitions["finish"]
    assert t.confirm["sv"] == "Åtgärden går inte att ångra." and t.destructive
    definition["transitions"][0]["confirm"] = {"sv": "Klart för gott.", "en": "Done for good."}
    asked = parse_definition(SOURCE, definition, GUARDS, ACTIONS).transitions["finish"].confirm
    assert asked["en"] == "Done for good."
    definition["transitions"][0]["confirm"] = {"sv": "Bara svenska."}
    with pytest.raises(WorkflowDefinitionError, match="finish"):
        parse_definition(SOURCE, definition, GUARDS, ACTIONS)


def test_the_irreversible_steps_ask_first(tmp_path):
    definitions = get_workflows(start(tmp_path, WORKFLOWS).registry).definitions
    asks = {(d.type_name, t.id) for d in definitions.values() for t in d.transitions.values() if t.confirm}
    assert asks >= {("Agreement", "sign"), ("Agreement", "terminate"), ("Proposal", "close"),
                    ("Proposal", "ks_reject"), ("Proposal", "kf_reject"), ("Proposal", "withdraw"),
                    ("Amendment", "reject"), ("Amendment", "withdraw")}
    destructive = {(d.type_name, t.id) for d in definitions.values() for t in d.transitions.values()
                   if t.destructive}
    assert ("Proposal", "close") not in destructive and ("Proposal", "withdraw") in destructive

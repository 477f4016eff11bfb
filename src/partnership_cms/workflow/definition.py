"""Read ``workflows/<type>.yaml`` into Workflow objects and check them.

Everything a definition names must exist: states, roles, permissions,
guards and actions, and each guard's and action's parameters must fit its
signature and name states, types and choices that exist (``check_steps``).
Every state must be reachable from the initial state, and every state that
is not final must have a way out. A broken definition
raises WorkflowDefinitionError with the file and the offending name, which
stops start-up.
"""
from __future__ import annotations

import inspect
import os
import typing
from dataclasses import dataclass, field

import colander
import yaml

from ..dates import DEADLINES
from ..schema.loader import SchemaError, load_schema_dir, parse_field
from ..security.permissions import CONTENT_PERMISSIONS
from ..security.roles import KNOWN_ROLES
from .params import Ref

COMMENT_RULES = {"required", "optional"}
STATE_KEYS = {"id", "title", "final", "permissions", "worklist", "edit_guards"}
TRANSITION_KEYS = {"id", "title", "from", "to", "roles", "guards", "actions", "comment", "data", "worklist",
                   "not_by", "confirm", "destructive"}
# What ``confirm: true`` asks before an irreversible step (``confirm: {sv, en}`` says it itself).
DEFAULT_CONFIRM = {"sv": "Åtgärden går inte att ångra.", "en": "This cannot be undone."}


class WorkflowDefinitionError(Exception):
    """A workflow definition is broken: the message names the file and the name at fault."""

    def __init__(self, source, name, reason):
        self.source, self.name, self.reason = source, name, reason
        super().__init__(f"{source}: {name}: {reason}" if name else f"{source}: {reason}")


@dataclass(frozen=True)
class Step:
    """A named guard or action with the parameters the definition gives it."""

    name: str
    params: dict = field(default_factory=dict, hash=False)


@dataclass
class State:
    id: str
    title: dict
    final: bool
    permissions: dict  # permission -> tuple of roles
    worklist: dict | None = None  # {sv, en}: the start page's heading for what waits here
    # Guards an edit in this state must pass, called with the edit's values as ``data``.
    edit_guards: tuple = ()  # of Step


@dataclass
class Transition:
    id: str
    title: dict
    from_states: tuple
    to_state: str
    roles: tuple
    guards: tuple  # of Step
    actions: tuple  # of Step
    comment: str
    data_fields: list  # of FieldSpec
    on_worklist: bool = True  # false for side exits (withdraw): they put nothing on a worklist
    # Four eyes: transitions of the same workflow whose (latest) performer may not perform this one.
    not_by: tuple = ()
    confirm: dict | None = None  # {sv, en}: irreversible; the UI asks this before performing it
    destructive: bool = False  # ends the case's way forward (reject, withdraw): shown apart

    def data_schema(self):
        """A colander schema for the data this transition takes."""
        schema = colander.SchemaNode(colander.Mapping(unknown="raise"))
        for spec in self.data_fields:
            schema.add(spec.colander_node())
        return schema


@dataclass
class WorkflowDefinition:
    type_name: str
    initial: str
    add_roles: tuple
    states: dict  # id -> State
    transitions: dict  # id -> Transition
    source: str


def _title(source, name, raw):
    if isinstance(raw, str):
        return {"sv": raw, "en": raw}
    if not isinstance(raw, dict) or "sv" not in raw or "en" not in raw:
        raise WorkflowDefinitionError(source, name, "title must be {sv: ..., en: ...}")
    return dict(raw)


def _confirm(source, name, raw):
    """``confirm:`` as the {sv, en} question to ask, or None (absent or false)."""
    if raw is None or raw is False:
        return None
    if raw is True:
        return dict(DEFAULT_CONFIRM)
    return _title(source, name, raw)


def _roles(source, name, raw):
    if isinstance(raw, str):
        raise WorkflowDefinitionError(source, name, f"roles must be a list, e.g. [{raw}]")
    roles = tuple(raw or ())
    for role in roles:
        if role not in KNOWN_ROLES:
            raise WorkflowDefinitionError(source, name, f"unknown role {role!r}")
    return roles


def _steps(source, name, raw, known, kind):
    steps = []
    for item in raw or ():
        if isinstance(item, str):
            step = Step(item)
        elif isinstance(item, dict) and "name" in item:
            step = Step(item["name"], {k: v for k, v in item.items() if k != "name"})
        else:
            raise WorkflowDefinitionError(source, name, f"a {kind} is a name or {{name: ..., ...}}")
        if step.name not in known:
            raise WorkflowDefinitionError(source, name, f"unknown {kind} {step.name!r}")
        steps.append(step)
    return tuple(steps)


def _not_by(source, tid, raw):
    """``not_by: [submit]``: the transitions whose performer may not perform this one."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(n, str) and n for n in raw):
        raise WorkflowDefinitionError(source, tid, "not_by must be a list of transition ids, e.g. [submit]")
    return tuple(raw)


def _data_field(source, tid, raw, schemas):
    """One field a transition takes: a full field spec, or "Type.field" to reuse
    a schema's field as it is (one definition of, say, a motion, not two)."""
    if not isinstance(raw, str):
        return parse_field(source, raw, prefix=tid + ".")
    type_name, _, field_name = raw.partition(".")
    spec = (schemas or {}).get(type_name) and schemas[type_name].by_name.get(field_name)
    if not spec:
        raise SchemaError(source, f"{tid}.{raw}", "refers to no field of a schema in schemas/")
    return spec


def parse_definition(source, raw, guards, actions, schemas=None):
    """Turn one raw mapping into a checked WorkflowDefinition.

    ``schemas`` ({type: TypeSchema}) resolves data fields written as "Type.field".
    """
    if not isinstance(raw, dict):
        raise WorkflowDefinitionError(source, None, "expected a mapping with type, initial, states, transitions")
    for key in ("type", "initial", "states", "transitions"):
        if key not in raw:
            raise WorkflowDefinitionError(source, None, f"missing '{key}'")
    states = {}
    for rs in raw["states"]:
        sid = rs.get("id") if isinstance(rs, dict) else None
        if not sid:
            raise WorkflowDefinitionError(source, None, "every state needs an 'id'")
        if set(rs) - STATE_KEYS:
            raise WorkflowDefinitionError(source, sid, f"unknown keys {sorted(set(rs) - STATE_KEYS)}")
        if sid in states:
            raise WorkflowDefinitionError(source, sid, "state declared twice")
        perms = {}
        for perm, roles in (rs.get("permissions") or {}).items():
            if perm not in CONTENT_PERMISSIONS:
                raise WorkflowDefinitionError(source, sid, f"unknown permission {perm!r}")
            perms[perm] = _roles(source, sid, roles)
        worklist = _title(source, sid, rs["worklist"]) if rs.get("worklist") else None
        states[sid] = State(sid, _title(source, sid, rs.get("title")), bool(rs.get("final")), perms, worklist,
                            _steps(source, sid, rs.get("edit_guards"), guards, "guard"))
    if raw["initial"] not in states:
        raise WorkflowDefinitionError(source, raw["initial"], "initial state is not declared")

    transitions = {}
    for rt in raw["transitions"]:
        tid = rt.get("id") if isinstance(rt, dict) else None
        if not tid:
            raise WorkflowDefinitionError(source, None, "every transition needs an 'id'")
        if set(rt) - TRANSITION_KEYS:
            raise WorkflowDefinitionError(source, tid, f"unknown keys {sorted(set(rt) - TRANSITION_KEYS)}")
        if tid in transitions:
            raise WorkflowDefinitionError(source, tid, "transition declared twice")
        if isinstance(rt.get("from"), str):
            raise WorkflowDefinitionError(source, tid, f"'from' must be a list, e.g. [{rt['from']}]")
        from_states = tuple(rt.get("from") or ())
        if not from_states:
            raise WorkflowDefinitionError(source, tid, "'from' names no state")
        for sid in from_states + (rt.get("to"),):
            if sid not in states:
                raise WorkflowDefinitionError(source, tid, f"unknown state {sid!r}")
        comment = rt.get("comment", "optional")
        if comment not in COMMENT_RULES:
            raise WorkflowDefinitionError(source, tid, f"comment must be one of {sorted(COMMENT_RULES)}")
        roles = _roles(source, tid, rt.get("roles"))
        if not roles:
            raise WorkflowDefinitionError(source, tid, "no role may perform it ('roles' is empty)")
        try:
            data_fields = [_data_field(source, tid, f, schemas) for f in rt.get("data") or ()]
        except SchemaError as e:
            raise WorkflowDefinitionError(source, tid, f"data: {e.reason} ({e.field_name})") from None
        transitions[tid] = Transition(
            id=tid, title=_title(source, tid, rt.get("title")), from_states=from_states,
            to_state=rt["to"], roles=roles,
            guards=_steps(source, tid, rt.get("guards"), guards, "guard"),
            actions=_steps(source, tid, rt.get("actions"), actions, "action"),
            comment=comment, data_fields=data_fields, on_worklist=bool(rt.get("worklist", True)),
            not_by=_not_by(source, tid, rt.get("not_by")),
            confirm=_confirm(source, tid, rt.get("confirm")), destructive=bool(rt.get("destructive")),
        )
    _check_not_by(source, transitions)

    _check_graph(source, raw["initial"], states, transitions)
    return WorkflowDefinition(raw["type"], raw["initial"], _roles(source, "add_roles", raw.get("add_roles")),
                              states, transitions, source)


def _check_not_by(source, transitions):
    """``not_by`` names transitions of the same workflow."""
    for t in transitions.values():
        unknown = [n for n in t.not_by if n not in transitions]
        if unknown:
            raise WorkflowDefinitionError(source, t.id, f"not_by: unknown transition {unknown[0]!r}")


def _check_graph(source, initial, states, transitions):
    reachable, frontier = {initial}, [initial]
    while frontier:
        current = frontier.pop()
        for t in transitions.values():
            if current in t.from_states and t.to_state not in reachable:
                reachable.add(t.to_state)
                frontier.append(t.to_state)
    for sid, state in states.items():
        if sid not in reachable:
            raise WorkflowDefinitionError(source, sid, "state cannot be reached from the initial state")
        leaves = [t for t in transitions.values() if sid in t.from_states and t.to_state != sid]
        if not state.final and not leaves:
            raise WorkflowDefinitionError(source, sid, "state is not final but has no way out")


def load_workflow_dir(directory, guards, actions, schemas=None):
    """Load and check every ``*.yaml`` definition in a folder.

    ``schemas`` defaults to the ``schemas/`` folder beside ``directory``.
    """
    if schemas is None:
        sibling = os.path.join(os.path.dirname(os.path.abspath(directory)), "schemas")
        schemas = load_schema_dir(sibling) if os.path.isdir(sibling) else {}
    if not os.path.isdir(directory):
        raise WorkflowDefinitionError(directory, None, "workflow folder not found")
    definitions = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith((".yaml", ".yml")):
            continue
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                raw = yaml.safe_load(f)
        except yaml.YAMLError as e:
            raise WorkflowDefinitionError(name, None, f"not valid YAML: {e}") from None
        definition = parse_definition(name, raw, guards, actions, schemas)
        if definition.type_name in definitions:
            raise WorkflowDefinitionError(name, definition.type_name, "a workflow for this type exists already")
        definitions[definition.type_name] = definition
    check_steps(definitions, guards, actions, schemas)
    return definitions


def check_steps(definitions, guards, actions, schemas):
    """Every guard's and action's parameters against its signature and the definitions.

    A guard is called as ``guard(context, request, data, **params)``, an
    action as ``action(context, request, transition, data, **params)``.
    ``guards`` and ``actions`` map names to functions; a name without a
    function (tests that check only the names) has nothing to check.
    """
    for definition in definitions.values():
        where_steps = [(t.id, (("guard", t.guards, guards, 3), ("action", t.actions, actions, 4)))
                       for t in definition.transitions.values()]
        where_steps += [(s.id, (("edit guard", s.edit_guards, guards, 3),))
                        for s in definition.states.values() if s.edit_guards]
        for name, kinds in where_steps:
            for kind, steps, functions, leading in kinds:
                for step in steps:
                    where = f"{kind} {step.name}"
                    fn = functions.get(step.name) if hasattr(functions, "get") else None
                    if not callable(fn):
                        continue
                    problem = _signature_problem(fn, leading, step.params)
                    if problem:
                        raise WorkflowDefinitionError(definition.source, name, f"{where}: {problem}")
                    hints = typing.get_type_hints(fn, include_extras=True)
                    for param, value in step.params.items():
                        for ref in getattr(hints.get(param), "__metadata__", ()):
                            if isinstance(ref, Ref):
                                problem = _ref_problem(ref, value, step.params, definition, definitions, schemas)
                                if problem:
                                    raise WorkflowDefinitionError(definition.source, name,
                                                                  f"{where}: parameter {param!r}: {problem}")


def _signature_problem(fn, leading, params):
    """Why ``params`` do not fit ``fn``'s keyword parameters, or None."""
    signature = inspect.signature(fn)
    named = list(signature.parameters.values())[leading:]
    if not any(p.kind is p.VAR_KEYWORD for p in named):
        unknown = sorted(set(params) - {p.name for p in named})
        if unknown:
            return f"unknown parameter {unknown[0]!r} (it takes {sorted(p.name for p in named) or 'none'})"
    try:
        signature.bind(*([None] * leading), **params)
    except TypeError as e:
        return str(e)
    return None


def _ref_problem(ref, value, params, definition, definitions, schemas):
    """Why ``value`` does not name what ``ref`` says it names, or None."""
    type_name = params.get(ref.type_param) if ref.type_param else definition.type_name
    if ref.kind == "type":
        return None if value in definitions else f"unknown type {value!r}"
    if ref.kind == "deadline":
        return None if value in DEADLINES else f"unknown deadline {value!r} (known: {sorted(DEADLINES)})"
    if type_name not in definitions:
        return f"unknown type {type_name!r}"
    states = definitions[type_name].states
    schema = (schemas or {}).get(type_name)
    fields = schema.by_name if schema else {}
    choices = fields[ref.field].choices if ref.field in fields else {}
    if ref.kind == "state":
        return None if value in states else f"unknown state {value!r} of {type_name}"
    if ref.kind == "states":
        if not isinstance(value, list) or not value:
            return "must be a non-empty list of states"
        unknown = [v for v in value if v not in states]
        return f"unknown states {unknown} of {type_name}" if unknown else None
    if ref.kind == "transition":
        transitions = definitions[type_name].transitions
        return None if value in transitions else f"unknown transition {value!r} of {type_name}"
    if ref.kind == "choice":
        return None if value in choices else f"{value!r} is not a choice of {type_name}.{ref.field}"
    if ref.kind == "field":
        return None if value in fields else f"unknown field {value!r} of {type_name}"
    if ref.kind == "fields":
        if not isinstance(value, list) or not value:
            return "must be a non-empty list of fields"
        unknown = [v for v in value if v not in fields]
        return f"unknown fields {unknown} of {type_name}" if unknown else None
    if ref.kind == "roles_by_choice":
        if not isinstance(value, dict) or not value:
            return f"must map each value of {type_name}.{ref.field} to a role"
        for choice, role in value.items():
            if choice not in choices:
                return f"{choice!r} is not a choice of {type_name}.{ref.field}"
            if role not in KNOWN_ROLES:
                return f"unknown role {role!r}"
        return None
    return f"unknown reference kind {ref.kind!r}"

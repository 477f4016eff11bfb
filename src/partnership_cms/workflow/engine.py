"""The engine that enforces the workflow definitions.

One ``Workflows`` utility per application holds the checked definitions and
the registered guards and actions. It answers three questions, each in one
place: what ACL an object has in its state (``acl``), which transitions a
user may perform now (``available``), and how a transition is performed
(``perform``: permission, state, comment, data, guards, then state change,
actions, history, audit and index, all in the caller's transaction).
"""
from __future__ import annotations

import datetime

import colander
from pyramid.authorization import DENY_ALL, Allow, Everyone

from ..schema import validation_errors
from ..schema.loader import from_colander_value, to_json_value
from ..security.permissions import ADD, VIEW, transition_permission
from ..security.policy import roles_in_context
from ..security.roles import role_principal
from .errors import GuardFailed, InvalidData, NotAllowed, NotAvailable, UnknownTransition


class Workflows:
    def __init__(self, definitions, guards, actions):
        self.definitions = definitions  # type name -> WorkflowDefinition
        self.guards = guards  # name -> callable
        self.actions = actions  # name -> callable

    def definition(self, type_name):
        return self.definitions[type_name]

    # -- permissions --------------------------------------------------------
    def acl(self, context):
        """The ACL of an object: its state's permission map plus one
        transition permission per transition leaving that state.

        A confidential object never grants anything to the public: that rule
        lives here so no definition can forget it.
        """
        definition = self.definitions[context.type_name]
        state = definition.states[context.state]
        confidential = bool(context.data.get("confidential"))
        acl = []
        for permission, roles in state.permissions.items():
            for role in roles:
                principal = role_principal(role)
                if confidential and principal == Everyone:
                    continue
                acl.append((Allow, principal, permission))
        for t in definition.transitions.values():
            if context.state in t.from_states:
                acl.extend((Allow, role_principal(r), transition_permission(t.id)) for r in t.roles)
        acl.append(DENY_ALL)
        return acl

    def folder_acl(self, type_name):
        definition = self.definitions.get(type_name)
        roles = definition.add_roles if definition else ()
        return [(Allow, role_principal(r), ADD) for r in roles]

    def view_principals(self, context):
        """Principals allowed to view ``context`` (for the catalog): roles as
        ``role:x``, local roles resolved to the users holding them."""
        allowed = set()
        local_holders = {}
        for login, roles in context.local_roles.items():
            for role in roles:
                local_holders.setdefault(role_principal(role), set()).add("user:" + login)
        for action, principal, permission in self.acl(context):
            if action == Allow and permission == VIEW:
                allowed |= local_holders.get(principal, {principal})
        return allowed

    # -- transitions -------------------------------------------------------
    def available(self, request, context):
        """The transitions the current user may perform on ``context`` now."""
        definition = self.definitions[context.type_name]
        offered = []
        for t in definition.transitions.values():
            if context.state not in t.from_states:
                continue
            if not request.has_permission(transition_permission(t.id), context):
                continue
            if self._guard_problems(request, context, t, None):
                continue
            offered.append(t)
        return offered

    def perform(self, request, context, transition_id, payload):
        """Perform a transition for the current user; return its history entry.

        Raises UnknownTransition, NotAllowed, NotAvailable, InvalidData or
        GuardFailed; nothing is changed then.
        """
        definition = self.definitions[context.type_name]
        t = definition.transitions.get(transition_id)
        if t is None:
            raise UnknownTransition(f"Övergången '{transition_id}' finns inte för {context.type_name}.")
        if context.state not in t.from_states:
            raise NotAvailable(
                f"Övergången '{t.title['sv']}' är inte möjlig i läget "
                f"'{definition.states[context.state].title['sv']}'."
            )
        if not request.has_permission(transition_permission(t.id), context):
            raise NotAllowed(f"Du har inte behörighet att utföra '{t.title['sv']}'.")
        payload = dict(payload or {})
        comment = str(payload.pop("comment", "") or "").strip()
        if t.comment == "required" and not comment:
            raise InvalidData("En kommentar krävs.", {"comment": "En kommentar krävs för denna åtgärd."})
        data = self._deserialize(request, t, payload)
        problems = self._guard_problems(request, context, t, data)
        if problems:
            raise GuardFailed(" ".join(problems), {"guards": problems})

        from ..audit import AuditAction, record
        from ..catalog import reindex

        old_state = context.state
        context.state = t.to_state
        context.modified = datetime.datetime.now(datetime.UTC)
        for step in t.actions:
            self.actions[step.name](context, request, t, data, **step.params)
        actor = request.authenticated_userid
        entry = {
            "action": t.id,
            "title": t.title["sv"],
            "review_state": t.to_state,
            "from": old_state,
            "to": t.to_state,
            "actor": actor,
            "roles": sorted(set(t.roles) & roles_in_context(request, context)),
            "comment": comment,
            "time": context.modified.isoformat(),
            "data": to_json_value(data),
        }
        context.add_history(entry)
        reindex(request, context)
        record(request, AuditAction.TRANSITION, context, details={
            k: entry[k] for k in ("action", "from", "to", "comment", "roles", "data")
        })
        return entry

    def _deserialize(self, request, t, payload):
        try:
            data = from_colander_value(t.data_schema().deserialize(payload))
        except colander.Invalid as e:
            raise InvalidData("Uppgifterna är inte giltiga.", validation_errors(request, e)) from None
        for spec in t.data_fields:
            if spec.name not in data and spec.default == "today":
                data[spec.name] = datetime.date.today()
        return data

    def _guard_problems(self, request, context, t, data):
        problems = []
        for step in t.guards:
            problems.extend(self.guards[step.name](context, request, data, **step.params))
        return problems


"""The engine that enforces the workflow definitions.

One ``Workflows`` utility per application holds the checked definitions and
the registered guards and actions. It answers three questions, each in one
place: what ACL an object has in its state (``acl``), which transitions a
user may perform now (``available``), and how a transition is performed
(``perform``: permission, state, comment, data, guards, then state change,
actions and history; the ``StateChanged`` event it sends has the catalog and
the audit trail do their part, all in the caller's transaction). It is also
the object's ``IACLSource``. Its errors carry codes and translatable
messages: it knows neither HTTP nor a language.
"""
from __future__ import annotations

import datetime

import colander
from pyramid.authorization import DENY_ALL, Allow, Everyone
from zope.interface import implementer

from .. import dates
from ..content.models import Content, ContentFolder
from ..events import AuditAction, StateChanged, notify
from ..i18n import _
from ..interfaces import IACLSource
from ..schema.loader import COMMENT_MAX_LENGTH, from_colander_value, to_json_value
from ..security.permissions import ADD, transition_permission
from ..security.policy import roles_in_context
from ..security.roles import role_principal
from .errors import GuardFailed, InvalidData, NotAllowed, NotAvailable, UnknownTransition


@implementer(IACLSource)
class Workflows:
    def __init__(self, definitions, guards, actions):
        self.definitions = definitions  # type name -> WorkflowDefinition
        self.guards = guards  # name -> callable
        self.actions = actions  # name -> callable

    def definition(self, type_name):
        return self.definitions[type_name]

    # -- permissions --------------------------------------------------------
    def acl_for(self, location):
        """IACLSource: the ACL of a content object or folder, None for anything else."""
        if isinstance(location, Content):
            return self.acl(location)
        if isinstance(location, ContentFolder):
            return self.folder_acl(location.type_name)
        return None

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

    # -- transitions -------------------------------------------------------
    def candidates(self, request, context):
        """The transitions leaving ``context``'s state that the current user
        holds the permission for, each as ``(transition, reasons)``: the
        guards' reasons to refuse it now, empty when it is offered.

        A reason may name what it is about in its mapping: ``field_name`` (a
        field to fill) or ``document`` (the path of a document to act on first).
        """
        definition = self.definitions[context.type_name]
        found = []
        for t in definition.transitions.values():
            if context.state not in t.from_states:
                continue
            if not request.has_permission(transition_permission(t.id), context):
                continue
            found.append((t, self._guard_problems(request, context, t, None)))
        return found

    def available(self, request, context):
        """The transitions the current user may perform on ``context`` now."""
        return [t for t, reasons in self.candidates(request, context) if not reasons]

    def perform(self, request, context, transition_id, payload):
        """Perform a transition for the current user; return its history entry.

        Raises UnknownTransition, NotAllowed, NotAvailable, InvalidData or
        GuardFailed; nothing is changed then.
        """
        t = self._leaving(context, transition_id)
        if not request.has_permission(transition_permission(t.id), context):
            raise NotAllowed(_("Du har inte behörighet att utföra '${transition}'.",
                               mapping={"transition": t.title}))
        payload = dict(payload or {})
        comment = self._comment(t, payload.pop("comment", ""))
        data = self._deserialize(t, payload)
        return self._apply(request, context, t, data, comment=comment,
                           roles=sorted(set(t.roles) & roles_in_context(request, context)))

    def perform_entailed(self, request, context, transition_id, *, cause, comment, data=None):
        """Perform a transition that another one entails, as the system: a
        justified decision that adopted an agreement approves it (the action
        ``approve_adopted_agreement``). Nobody's role is asked, since the user
        performed the transition that entails this one (``cause``: that
        object's path, kept in the history and the audit); the state, the
        guards and the actions are checked and run as in ``perform``, and the
        same errors are raised, with nothing changed. ``data`` is the
        transition's data as the entailing step gives it (a protocol's
        justering: the day, and the rule a late one broke).
        """
        t = self._leaving(context, transition_id)
        return self._apply(request, context, t, self._deserialize(t, dict(data or {})), comment=comment, roles=[],
                           caused_by=cause)

    def _leaving(self, context, transition_id):
        """The transition ``transition_id`` if it leaves the object's state now."""
        definition = self.definitions[context.type_name]
        t = definition.transitions.get(transition_id)
        if t is None:
            raise UnknownTransition(_("Övergången '${transition}' finns inte för ${type}.",
                                      mapping={"transition": transition_id, "type": context.type_name}))
        if context.state not in t.from_states:
            raise NotAvailable(_("Övergången '${transition}' är inte möjlig i läget '${state}'.",
                                 mapping={"transition": t.title,
                                          "state": definition.states[context.state].title}))
        return t

    def _apply(self, request, context, t, data, *, comment, roles, caused_by=None):
        """Guards, then the state change, the actions, the history entry and the event."""
        problems = self._guard_problems(request, context, t, data)
        if problems:
            raise GuardFailed(problems, {"guards": problems})
        old_state = context.state
        context.state = t.to_state
        context.modified = datetime.datetime.now(datetime.UTC)
        for step in t.actions:
            self.actions[step.name](context, request, t, data, **step.params)
        entry = self._history_entry(request, context, action=t.id, title=t.title["sv"], old_state=old_state,
                                    roles=roles, comment=comment, data=to_json_value(data), caused_by=caused_by)
        details = {k: entry[k] for k in ("action", "from", "to", "comment", "roles", "data", "caused_by")
                   if k in entry}
        notify(request, StateChanged, context, AuditAction.TRANSITION, details)
        return entry

    def start_in(self, request, context, state, *, comment, evidence):
        """File a just-created object directly in ``state`` (the importer: a
        protokollsutdrag already justerat and anslaget), with ``evidence`` (the
        file, its SHA-256, what was repaired) in its history and the audit trail.

        Not a transition: nobody's permission is asked, since the state is
        what the document itself shows; the caller decides that it may file it.
        """
        definition = self.definitions[context.type_name]
        if state not in definition.states:
            raise NotAvailable(_("Läget '${state}' finns inte för ${type}.",
                                 mapping={"state": state, "type": context.type_name}))
        old_state = context.state
        context.state = state
        context.modified = datetime.datetime.now(datetime.UTC)
        entry = self._history_entry(request, context, action="import", title="Importerad", old_state=old_state,
                                    roles=[], comment=comment, data=evidence.pop("history", {}))
        notify(request, StateChanged, context, AuditAction.IMPORT, dict(evidence, **{"from": old_state, "to": state}))
        return entry

    def _history_entry(self, request, context, *, action, title, old_state, roles, comment, data,
                       caused_by=None):
        entry = {
            "action": action,
            "title": title,
            "review_state": context.state,
            "from": old_state,
            "to": context.state,
            "actor": request.authenticated_userid,
            "roles": roles,
            "comment": comment,
            "time": context.modified.isoformat(),
            "data": data,
        }
        if caused_by:  # performed by the system because of a transition on that object
            entry["caused_by"] = caused_by
        context.add_history(entry)
        return entry

    def _comment(self, t, raw):
        comment = str(raw or "").strip()
        if t.comment == "required" and not comment:
            raise InvalidData(_("En kommentar krävs."),
                              {"comment": _("En kommentar krävs för denna åtgärd.")})
        if len(comment) > COMMENT_MAX_LENGTH:
            raise InvalidData(_("Kommentaren är för lång."),
                              {"comment": _("Högst ${max} tecken (nu ${length}).",
                                            mapping={"max": COMMENT_MAX_LENGTH, "length": len(comment)})})
        return comment

    def _deserialize(self, t, payload):
        try:
            data = from_colander_value(t.data_schema().deserialize(payload))
        except colander.Invalid as e:
            raise InvalidData(_("Uppgifterna är inte giltiga."), invalid=e) from None
        for spec in t.data_fields:
            if spec.name not in data and spec.default == "today":
                data[spec.name] = dates.today()
        return data

    def _guard_problems(self, request, context, t, data):
        problems = self._four_eyes_problems(request, context, t)
        for step in t.guards:
            problems.extend(self.guards[step.name](context, request, data, **step.params))
        return problems

    def _four_eyes_problems(self, request, context, t):
        """The transition's ``not_by`` rule: whoever performed the latest of
        those transitions on this object (its history says) may not perform this one."""
        user = request.authenticated_userid
        transitions = self.definitions[context.type_name].transitions
        problems = []
        for earlier in t.not_by:
            actor = next((e.get("actor") for e in reversed(context.history) if e.get("action") == earlier), None)
            if user and actor == user:
                problems.append(_("Du utförde själv '${earlier}' och får därför inte utföra '${transition}': "
                                  "det ska göras av någon annan.",
                                  mapping={"earlier": transitions[earlier].title, "transition": t.title}))
        return problems

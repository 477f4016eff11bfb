"""What the parameters of a guard or an action refer to, checked at start-up.

A guard or action names the states, types and choices it works with as
parameters, written in ``workflows/*.yaml``, never in its code. Its
signature says what each parameter is, with ``typing.Annotated``::

    def amends(context, request, data, *, target_type: TypeName, target_state: Annotated[str, StateOf("target_type")]):

``definition.check_steps`` binds every step's parameters to the function's
signature and checks each annotated value against the loaded workflows and
schemas, so that a renamed state or a misspelt parameter stops start-up with
the file, the transition and the parameter.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated


@dataclass(frozen=True)
class Ref:
    """A parameter's value names something in the definitions.

    ``kind``: "type" (a content type with a workflow), "state"/"states" (one or
    a list of states), "transition" (a transition's id), "choice" (a value of a choice field), "field"/"fields"
    (a field name, a list of them), "roles_by_choice" (a {choice value: role} mapping), "deadline" (a
    legal time limit of ``dates.DEADLINES``). ``type_param``
    names the parameter holding the type the value belongs to (None: the type
    of the workflow the step is in); ``field`` the choice field.
    """

    kind: str
    type_param: str | None = None
    field: str | None = None


def StateOf(type_param=None):  # noqa: N802  (reads as a type in signatures)
    return Ref("state", type_param)


def StatesOf(type_param=None):  # noqa: N802
    return Ref("states", type_param)


def ChoiceOf(field, type_param=None):  # noqa: N802
    return Ref("choice", type_param, field)


def FieldOf(type_param=None):  # noqa: N802
    return Ref("field", type_param)


def TransitionOf(type_param=None):  # noqa: N802
    return Ref("transition", type_param)


def FieldsOf(type_param=None):  # noqa: N802
    return Ref("fields", type_param)


def RolesByChoice(field, type_param=None):  # noqa: N802
    return Ref("roles_by_choice", type_param, field)


def DeadlineOf():  # noqa: N802
    return Ref("deadline")


TypeName = Annotated[str, Ref("type")]

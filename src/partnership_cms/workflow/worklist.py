""""Mina uppgifter": what waits for the current user's action, from the catalog.

A state with a ``worklist`` heading in its workflow definition is a group on
the start page. The objects in it wait for the user when the user holds one
of the roles of a transition leaving that state: a global role (any object
the user may see there) or Owner (only the user's own objects).
"""
from dataclasses import dataclass

from .. import catalog
from ..security.policy import global_roles, search_principals
from . import get_workflows


@dataclass
class WorklistGroup:
    type_name: str
    state: str
    title: dict
    items: list
    total: int


def worklist(request, size=10):
    """The groups of objects waiting for the current user, biggest need first."""
    user = request.identity
    if user is None:
        return []
    roles = global_roles(request)
    principals = search_principals(request)
    groups = []
    for definition in get_workflows(request.registry).definitions.values():
        for state in definition.states.values():
            if not state.worklist:
                continue
            acting = set()
            for t in definition.transitions.values():
                if state.id in t.from_states and t.on_worklist:
                    acting |= set(t.roles)
            if acting & roles:
                local_role = None
            elif "Owner" in acting:
                local_role = f"{user.login}:Owner"
            else:
                continue
            items, total = catalog.search(request, principals, type=definition.type_name, state=state.id,
                                          local_role=local_role, sort="modified", reverse=False, size=size)
            if total:
                groups.append(WorklistGroup(definition.type_name, state.id, state.worklist, items, total))
    return groups

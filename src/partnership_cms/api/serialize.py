"""How content looks in JSON (plone.restapi's conventions)."""
from pyramid.traversal import resource_path

from ..i18n import translate
from ..meetings import MEETING_TYPE, readable_agenda
from ..schema import get_schemas
from ..schema.loader import to_json_value
from ..workflow import get_workflows
from ..workflow.deadlines import date_flags


def object_url(request, obj):
    return request.application_url + resource_path(obj)


def path_url(request, path):
    return request.application_url + path if path else None


def summary(request, obj):
    """The short form used in listings and search results."""
    state = get_workflows(request.registry).definition(obj.type_name).states[obj.state]
    return {
        "@id": object_url(request, obj),
        "@type": obj.type_name,
        "id": obj.__name__,
        "title": obj.title,
        "dnr": obj.data.get("dnr", ""),
        "review_state": obj.state,
        "review_state_title": state.title["sv"],
        "modified": obj.modified.isoformat(),
    }


def full(request, obj):
    """Every field of the object, its state and links to related objects."""
    schema = get_schemas(request.registry)[obj.type_name]
    body = summary(request, obj)
    body.update({
        "created": obj.created.isoformat(),
        "creator": obj.creator,
        "local_roles": {login: list(roles) for login, roles in obj.local_roles.items()},
    })
    for spec in schema.fields:
        if spec.name not in body:
            body[spec.name] = to_json_value(obj.data.get(spec.name))
    if obj.type_name == MEETING_TYPE:  # confidential items only to the body's members (meetings/confidential.py)
        body["agenda"] = to_json_value(readable_agenda(request, obj)) if obj.data.get("agenda") else None
    links = {name: [path_url(request, p) for p in paths] for name, paths in obj.links.items()}
    for spec in schema.fields:
        if spec.type == "reference" and obj.data.get(spec.name):
            links[spec.name] = path_url(request, obj.data[spec.name])
    body["links"] = links
    # Dates out of their legal order (a late justering or posting, with its
    # reason; an imported protocol's dates out of order): workflow/deadlines.py.
    body["flags"] = [dict(flag, message=translate(request, flag["message"])) for flag in date_flags(request, obj)]
    if obj.versions:
        body["versions"] = [{"version": v["version"], "data": to_json_value(v["data"]),
                             "replaced_by": path_url(request, v.get("replaced_by"))}
                            for v in obj.versions]
    return body


def workflow_state(request, obj):
    """``GET .../@workflow``: the state, what the caller may do now, the history."""
    workflows = get_workflows(request.registry)
    state = workflows.definition(obj.type_name).states[obj.state]
    url = object_url(request, obj)
    candidates = workflows.candidates(request, obj)

    def described(t):
        return {"@id": f"{url}/@workflow/{t.id}", "id": t.id, "title": t.title["sv"],
                "comment": t.comment, "data": [f.name for f in t.data_fields]}

    return {
        "state": {"id": state.id, "title": state.title["sv"]},
        "transitions": [described(t) for t, reasons in candidates if not reasons],
        # What the caller holds the permission for but the guards refuse now, and why
        # (the same messages a POST would get in its 422).
        "blocked": [dict(described(t), reasons=[translate(request, r) for r in reasons])
                    for t, reasons in candidates if reasons],
        "history": list(obj.history),
    }

"""The OpenAPI 3.1 document at ``/@openapi.json``, built from the same schema
and workflow definitions the server enforces, so it cannot drift from them."""
from ..bodies import get_bodies
from ..meetings import ACTS
from ..protocols import PROTOCOL_TYPE
from ..schema import get_schemas
from ..workflow import get_workflows

MEETING_TYPE = "Meeting"

JSON_TYPES = {"string": "string", "text": "string", "reference": "string", "choice": "string",
              "date": "string", "integer": "integer", "boolean": "boolean"}


def _field_schema(spec):
    if spec.type == "list":
        if isinstance(spec.item, list):
            item = {"type": "object", "properties": {s.name: _field_schema(s) for s in spec.item},
                    "required": [s.name for s in spec.item if s.required]}
        else:
            item = _field_schema(spec.item)
        return {"type": "array", "items": item, "title": spec.title_sv}
    out = {"type": JSON_TYPES[spec.type], "title": spec.title_sv}
    if spec.type == "date":
        out["format"] = "date"
    if spec.type == "choice":
        out["enum"] = list(spec.choices)
    if spec.max_length:
        out["maxLength"] = spec.max_length
    if spec.system:
        out["readOnly"] = True
    return out


def _error(description):
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _meeting_paths(request, schemas):
    """The bodies and the acts of a meeting (api/meetings.py)."""
    body_ids = sorted(get_bodies(request.registry))
    membership = {"type": "object", "properties": {
        "members": {"type": "array", "items": {"type": "string"}},
        "substitutes": {"type": "array", "items": {"type": "string"}},
        "chair": {"type": "string"}, "vice_chair": {"type": ["string", "null"]}}}
    paths = {
        "/@bodies": {"get": {"summary": "The bodies (KS, KF, the nämnder), their seats, members and rules",
                             "responses": {"200": {"description": "{items}"}}}},
        "/@bodies/{id}": {
            "get": {"summary": "One body: " + ", ".join(body_ids),
                    "responses": {"200": {"description": "the body"}, "404": _error("no such body")}},
            "post": {"summary": "Change who sits on the body (administrators; audited)",
                     "requestBody": {"content": {"application/json": {"schema": membership}}},
                     "responses": {"200": {"description": "the body"}, "403": _error("not an administrator"),
                                   "422": _error("invalid membership")}}},
    }
    schema = schemas.get(MEETING_TYPE)
    if schema is None:
        return paths
    item = "/" + schema.container + "/{id}/@meeting"
    paths[item] = {"get": {"summary": "Who serves, the quorum, the items and their votes",
                           "responses": {"200": {"description": "the meeting's proceedings"}}}}
    paths[item + "/{act}"] = {"post": {
        "summary": "Perform an act of the meeting: " + ", ".join(ACTS),
        "parameters": [{"name": "act", "in": "path", "required": True,
                        "schema": {"type": "string", "enum": list(ACTS)}}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": {"description": "what the act made"}, "401": _error("not logged in"),
                      "403": _error("not this person's act"), "404": _error("no such act"),
                      "409": _error("not in the meeting's state"),
                      "422": _error("a rule of the meeting refused it, or invalid values")}}}
    return paths


def _protocol_paths(schemas):
    """Making a meeting's protocol, its justering and corrections (api/protocols.py)."""
    meeting, protocol = schemas.get(MEETING_TYPE), schemas.get(PROTOCOL_TYPE)
    if meeting is None or protocol is None:
        return {}
    item = "/" + protocol.container + "/{id}/@protocol"
    strings = {"type": "array", "items": {"type": "string"}}
    return {
        "/" + meeting.container + "/{id}/@protocol": {"post": {
            "summary": "Make the protocol of a closed meeting (the clerk)",
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                "adjusters": strings, "justering_place": {"type": "string"},
                "justering_date": {"type": "string", "format": "date"}, "others_present": strings}}}}},
            "responses": {"201": {"description": "the protocol; Location header"},
                          "403": _error("not the clerk"), "409": _error("the meeting is not closed, "
                                                                         "or has a protocol"),
                          "422": _error("invalid justerare or dates")}}},
        item: {"get": {"summary": "The justering: the content's SHA-256, who signed, who is missing, "
                                  "voided signatures",
                       "responses": {"200": {"description": "{state, sha256, required, signed, missing, ...}"}}}},
        item + "/{act}": {"post": {
            "summary": "correct: the clerk corrects a wording field ({field, text, paragraph?}); "
                       "sign: the chair or a justerare signs ({sha256?, paragraph?})",
            "parameters": [{"name": "act", "in": "path", "required": True,
                            "schema": {"type": "string", "enum": ["correct", "sign"]}}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": {"description": "the correction, or the justering's state"},
                          "403": _error("not the clerk, the chair or a justerare"),
                          "409": _error("not in the protocol's state, signed already, or changed since read"),
                          "422": _error("invalid values")}}},
    }


def openapi_document(request):
    schemas = get_schemas(request.registry)
    workflows = get_workflows(request.registry)
    components = {"Error": {"type": "object", "required": ["type", "message"],
                            "properties": {"type": {"type": "string"}, "message": {"type": "string"},
                                           "errors": {"type": "object"}}}}
    paths = {
        "/": {"get": {"summary": "The site and its content folders", "security": [],
                      "responses": {"200": {"description": "{@id, @type, title, items}"}}}},
        "/@openapi.json": {"get": {"summary": "This document", "security": [],
                                   "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        "/@login": {"post": {"summary": "Log in; returns a bearer token", "security": [],
                             "requestBody": {"content": {"application/json": {"schema": {
                                 "type": "object", "required": ["login", "password"],
                                 "properties": {"login": {"type": "string"}, "password": {"type": "string"}}}}}},
                             "responses": {"200": {"description": "token"}, "401": _error("wrong login"),
                                           "429": _error("too many failed log-ins; see Retry-After")}}},
        "/@logout": {"post": {"summary": "Revoke the token", "responses": {"200": {"description": "ok"}}}},
        "/@search": {"get": {"summary": "Search what the caller may see",
                             "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}}
                                            for n in ("portal_type", "review_state", "SearchableText",
                                                      "year", "body", "sort_on", "sort_order",
                                                      "b_start", "b_size")],
                             "responses": {"200": {"description": "{items, items_total}"}}}},
        "/@audit": {"get": {"summary": "Audit trail (auditors)",
                            "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}}
                                           for n in ("object", "actor", "action", "since", "until",
                                                     "b_start", "b_size")],
                            "responses": {"200": {"description": "{items, items_total}"},
                                          "403": _error("not an auditor")}}},
        "/@audit/verify": {"get": {"summary": "Recompute the hash chains",
                                   "responses": {"200": {"description": "{valid, first_invalid, ...}"}}}},
        "/@audit/seal": {"post": {"summary": "Seal every entry so far (auditors)",
                                  "responses": {"200": {"description": "{seq, time, entries, digest, hash}"},
                                                "403": _error("not an auditor"),
                                                "409": _error("try again")}}},
    }
    for type_name, schema in schemas.items():
        components[type_name] = {
            "type": "object", "title": schema.title["sv"],
            "properties": {f.name: _field_schema(f) for f in schema.fields},
            "required": [f.name for f in schema.fields if f.required],
        }
        definition = workflows.definition(type_name)
        folder = "/" + schema.container
        ref = {"$ref": f"#/components/schemas/{type_name}"}
        paths[folder] = {
            "get": {"summary": f"List {type_name} objects", "responses": {"200": {"description": "listing"}}},
            "post": {"summary": f"Create a {type_name}",
                     "requestBody": {"content": {"application/json": {"schema": ref}}},
                     "responses": {"201": {"description": "created; Location header"},
                                   "422": _error("validation errors per field")}},
        }
        item = folder + "/{id}"
        paths[item] = {
            "get": {"summary": f"A {type_name}", "responses": {"200": {"description": "object",
                    "content": {"application/json": {"schema": ref}}}, "404": _error("not found")}},
            "patch": {"summary": f"Edit a {type_name}",
                      "requestBody": {"content": {"application/json": {"schema": ref}}},
                      "responses": {"200": {"description": "changed"}, "422": _error("invalid")}},
        }
        paths[item + "/@workflow"] = {"get": {"summary": "State, offered transitions, history",
                                              "responses": {"200": {"description": "workflow"}}}}
        paths[item + "/@history"] = {"get": {"summary": "Workflow history",
                                             "responses": {"200": {"description": "history"}}}}
        paths[item + "/@sharing"] = {
            "get": {"summary": "Local roles",
                    "responses": {"200": {"description": "{local_roles}"}}},
            "post": {"summary": "Grant or revoke a local role (Owner, Adjuster)",
                     "requestBody": {"content": {"application/json": {"schema": {
                         "type": "object", "required": ["login", "role"],
                         "properties": {"login": {"type": "string"}, "role": {"type": "string"},
                                        "granted": {"type": "boolean"}}}}}},
                     "responses": {"200": {"description": "{local_roles}"},
                                   "403": _error("not allowed"), "422": _error("invalid")}}}
        if schema.presentation.files is not None:
            _file_paths(paths, item, schema.presentation.files)
        paths[item + "/@workflow/{transition}"] = {"post": {
            "summary": "Perform a transition: " + ", ".join(sorted(definition.transitions)),
            "parameters": [{"name": "transition", "in": "path", "required": True,
                            "schema": {"type": "string", "enum": sorted(definition.transitions)}}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                            "properties": {"comment": {"type": "string"}}}}}},
            "responses": {"200": {"description": "the new history entry"}, "401": _error("not logged in"),
                          "403": _error("not allowed"), "409": _error("not available now"),
                          "422": _error("a guard failed or data invalid")}}}
    paths.update(_meeting_paths(request, schemas))
    paths.update(_protocol_paths(schemas))
    for name, path in paths.items():
        for op in path.values():
            op.setdefault("responses", {})["default"] = _error("error")
            if "{id}" in name:  # every templated path parameter must be declared
                op.setdefault("parameters", []).insert(0, {
                    "name": "id", "in": "path", "required": True, "schema": {"type": "string"}})
    return {
        "openapi": "3.1.0",
        "info": {"title": "partnership-cms API", "version": "1"},
        "servers": [{"url": request.application_url}],
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }


def _file_paths(paths, item, rules):
    """The files (bilagor) of a type that takes them (api/attachments.py)."""
    paths[item + "/@attachments"] = {
        "get": {"summary": "The files (bilagor)", "responses": {"200": {"description": "{items}"}}},
        "post": {"summary": f"Upload a file ({', '.join(rules.types)}; at most {rules.max_bytes} "
                            "bytes; the kind is read from the content)",
                 "requestBody": {"content": {"multipart/form-data": {"schema": {
                     "type": "object", "required": ["file"],
                     "properties": {"file": {"type": "string", "format": "binary"},
                                    "number": {"type": "integer", "minimum": 1}}}}}},
                 "responses": {"201": {"description": "the file; Location header"},
                               "403": _error("not allowed"), "413": _error("too large"),
                               "415": _error("not an accepted kind"), "422": _error("invalid")}}}
    paths[item + "/@attachments/{file}"] = {
        "get": {"summary": "Download the file (Content-Disposition: attachment)",
                "parameters": [{"name": "file", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"200": {"description": "the file's bytes"}, "404": _error("no such file")}},
        "delete": {"summary": "Remove the file (needs edit)",
                   "parameters": [{"name": "file", "in": "path", "required": True,
                                   "schema": {"type": "string"}}],
                   "responses": {"200": {"description": "{removed}"}, "403": _error("not allowed"),
                                 "404": _error("no such file")}}}

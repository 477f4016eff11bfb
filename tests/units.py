"""A small registry for unit tests of the engine, the ACL and the catalog:
one tiny content type from YAML, the real security policy, catalog and audit
subscribers, objects that live in memory (no database, no demo app)."""
import textwrap

import yaml
from pyramid import testing
from pyramid.request import apply_request_extensions

from partnership_cms.audit import AuditLog
from partnership_cms.catalog import SiteCatalog
from partnership_cms.content.models import Content, ContentFolder, Root
from partnership_cms.interfaces import IACLSource, IWorkflows
from partnership_cms.schema import ISchemaRegistry
from partnership_cms.schema.loader import load_schema_dir
from partnership_cms.scripting import act_as
from partnership_cms.security.users import Principals, User
from partnership_cms.workflow import Workflows, guards
from partnership_cms.workflow.definition import parse_definition

SCHEMA = textwrap.dedent("""
    type: Note
    title: {sv: Anteckning, en: Note}
    container: notes
    fields:
      - {name: title, type: string, required: true, title: {sv: Rubrik, en: Title}}
      - {name: body, type: text, complete: true, title: {sv: Text, en: Text}}
      - {name: confidential, type: boolean, title: {sv: Sekretess, en: Confidential}}
""")

WORKFLOW = textwrap.dedent("""
    type: Note
    initial: draft
    add_roles: [officer]
    states:
      - id: draft
        title: {sv: Utkast, en: Draft}
        permissions: {view: [Owner, clerk], edit: [Owner]}
      - id: public
        title: {sv: Publicerad, en: Published}
        final: true
        permissions: {view: [Anonymous, Owner, clerk]}
    transitions:
      - id: publish
        title: {sv: Publicera, en: Publish}
        from: [draft]
        to: public
        roles: [Owner]
        guards: [complete]
""")


class Unit:
    """The registry, the root and a request acting as a user."""

    def __init__(self, tmp_path, workflow=WORKFLOW):
        (tmp_path / "note.yaml").write_text(SCHEMA, encoding="utf-8")
        schemas = load_schema_dir(str(tmp_path))
        definition = parse_definition("note.yaml", yaml.safe_load(workflow), {"complete": guards.complete}, {},
                                      schemas)
        self.config = testing.setUp(settings={"partnership_cms.session_secret": "unit",
                                              "pyramid.default_locale_name": "sv"})
        self.config.include("partnership_cms.settings")
        self.config.include("partnership_cms.security")
        self.config.include("partnership_cms.catalog")
        self.config.include("partnership_cms.audit")
        self.workflows = Workflows({"Note": definition}, {"complete": guards.complete}, {})
        registry = self.config.registry
        registry.registerUtility(schemas, ISchemaRegistry)
        registry.registerUtility(self.workflows, IWorkflows)
        registry.registerUtility(self.workflows, IACLSource)
        self.root = Root()
        self.root.principals = Principals()
        self.root.audit_log = AuditLog()
        self.root.catalog = SiteCatalog()
        self.root.counters = {}
        self.root["notes"] = ContentFolder("Note", "Anteckningar")
        for login, groups in (("olle", ["officer"]), ("clara", ["clerk"]), ("anna", ["officer"])):
            self.root.principals.users[login] = User(login)
            for group in groups:
                self.root.principals.groups[group].members[login] = True

    def request(self, login=None):
        request = testing.DummyRequest()
        request.registry = self.config.registry
        apply_request_extensions(request)
        request.root = self.root
        act_as(request, self.root.principals.users[login] if login else None)
        return request

    def note(self, name="n1", owner="olle", **data):
        obj = Content("Note", {"title": "Om bryggan", **data}, "draft", owner)
        obj.add_local_role(owner, "Owner")
        self.root["notes"][name] = obj
        return obj

    def close(self):
        testing.tearDown()

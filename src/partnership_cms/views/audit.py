"""The auditor's view of the audit trail: filter, page, export, verify.

Filtering is ``AuditLog.find`` (the same as the API's ``@audit``) and
verification is ``audit.verify_recent`` (since the last seal); this module only turns the form's
fields into their arguments and the entries into readable rows. Reading and
verifying change nothing, so everything here is GET.
"""
import csv
import datetime
import io
import json
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from pyramid.response import Response
from pyramid.traversal import find_resource
from pyramid.view import view_config

from ..audit import AuditAction, find_page, get_log, verify_recent
from ..catalog import paths_with_case_number
from ..content.models import Moved, Root
from ..schema import get_schemas
from ..security.permissions import AUDIT
from ..security.roles import GLOBAL_ROLES
from .audit_details import problem_text, summarise
from .base import STOCKHOLM, BaseView, _

PAGE_SIZE = 50
ACTION_LABELS = {
    AuditAction.CREATE: _("Skapat"),
    AuditAction.EDIT: _("Ändrat"),
    AuditAction.TRANSITION: _("Steg i arbetsflödet"),
    AuditAction.LINK: _("Kopplat"),
    AuditAction.RENAMED: _("Ny adress"),
    AuditAction.ATTACHMENT_ADDED: _("Fil uppladdad"),
    AuditAction.ATTACHMENT_REMOVED: _("Fil borttagen"),
    AuditAction.IMPORT: _("Importerat"),
    AuditAction.LOGIN: _("Inloggning"),
    AuditAction.LOGIN_FAILED: _("Misslyckad inloggning"),
    AuditAction.LOGIN_THROTTLED: _("Inloggning spärrad efter för många försök"),
    AuditAction.LOGOUT: _("Utloggning"),
    AuditAction.USER_CREATED: _("Användare skapad"),
    AuditAction.USER_CHANGED: _("Användare ändrad"),
    AuditAction.GROUP_CHANGED: _("Grupper ändrade"),
    AuditAction.GROUP_CHANGE_REQUESTED: _("Ändring av grupper begärd"),
    AuditAction.GROUP_CHANGE_CANCELLED: _("Begärd ändring av grupper avbruten"),
    AuditAction.LOCAL_ROLE_CHANGED: _("Roll på dokument ändrad"),
    AuditAction.SEAL: _("Försegling"),
    AuditAction.BODY_CHANGED: _("Organ ändrat"),
    AuditAction.AGENDA: _("Föredragningslista"),
    AuditAction.ATTENDANCE: _("Närvaro"),
    AuditAction.MOTION: _("Yrkande"),
    AuditAction.VOTE: _("Röst"),
    AuditAction.DECLARATION: _("Ordförandens beslut"),
    AuditAction.RESERVATION: _("Reservation"),
}
FILTER_FIELDS = ("document", "user", "action", "from", "to", "logins")
# Log-ins outnumber everything else; the page leaves them out unless asked (``logins=1``)
# or unless the action filter names one of them.
LOGIN_ACTIONS = frozenset({AuditAction.LOGIN, AuditAction.LOGIN_FAILED, AuditAction.LOGIN_THROTTLED,
                           AuditAction.LOGOUT})
CSV_HEADINGS = (
    _("Tid (UTC)"), _("Tid (svensk tid)"), _("Användare"), _("Roller"), _("Händelse"),
    _("Händelsekod"), _("Dokument"), _("Diarienummer"), _("Typ"), _("Läge"), _("Beskrivning"),
    _("Detaljer (JSON)"), _("Kedja"), _("Nummer i kedjan"), _("Kontrollsumma"),
)
TEMPLATE = "partnership_cms:templates/audit.pt"


def _utc_bound(text, end=False):
    """The first (or last) moment of a local (Stockholm) day, as the trail's UTC ISO text."""
    day = datetime.date.fromisoformat(text) + datetime.timedelta(days=1 if end else 0)
    moment = datetime.datetime.combine(day, datetime.time(), tzinfo=ZoneInfo(STOCKHOLM))
    moment = moment.astimezone(datetime.UTC) - datetime.timedelta(microseconds=1 if end else 0)
    return moment.isoformat(timespec="microseconds")


class AuditView(BaseView):
    """``/audit``: the trail for auditors (``page`` in ``audit.pt``)."""

    def __init__(self, context, request):
        super().__init__(context, request)
        self.t = request.localizer.translate
        self.values = {name: request.GET.get(name, "").strip()[:200] for name in FILTER_FIELDS}
        self.errors = {}
        self.query = self._query()
        self._titles = {}

    # -- the form's fields -> AuditLog.find ---------------------------------------
    def _query(self):
        v, query = self.values, {}
        if v["document"]:
            query["chains"] = self._chains(v["document"])
        if v["user"]:
            query["actor"] = v["user"]
        if v["action"] in set(AuditAction):
            query["action"] = v["action"]
        elif v["logins"] != "1" and not v["document"].startswith(("user:", "login:")):
            query["exclude"] = LOGIN_ACTIONS
        for name, key, end in (("from", "since", False), ("to", "until", True)):
            if v[name]:
                try:
                    query[key] = _utc_bound(v[name], end)
                except ValueError:
                    message = _("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-31.")
                    self.errors[name] = self.t(message)
        if query.get("since", "") > query.get("until", "\uffff"):
            self.errors["to"] = self.t(_("Slutdatumet ligger före startdatumet."))
        return query

    def _chains(self, document):
        """The chains a document field names: a path, a chain name or a case number (dnr)."""
        app = self.request.application_url
        if document.startswith(app + "/"):
            document = document[len(app):]
        if document.startswith("/"):
            return [document.rstrip("/") or "/"]
        if document.startswith(("user:", "login:")):
            return [document]
        for dnr in dict.fromkeys((document, document.upper())):
            paths = paths_with_case_number(self.context.catalog, dnr)
            if paths:  # a case number names the case and its decisions
                return paths
        message = _("Inget dokument har diarienumret ${dnr}.", mapping={"dnr": document})
        self.errors["document"] = self.t(message)
        return []

    def entries(self, start=0, size=None):
        return find_page(get_log(self.context), start, size if size is not None else float("inf"),
                         **self.query)

    # -- what the template reads -----------------------------------------------------
    @property
    def audit_url(self):
        return self.request.application_url + "/audit"

    def url(self, suffix="", **extra):
        params = {k: v for k, v in self.values.items() if v}
        params.update({k: v for k, v in extra.items() if v})
        return self.audit_url + suffix + ("?" + urlencode(params) if params else "")

    def user_options(self):
        users = self.context.principals.users
        return [(login, f"{users[login].fullname} ({login})") for login in sorted(users)]

    def action_options(self):
        return [(str(a), self.t(ACTION_LABELS.get(a, str(a)))) for a in AuditAction]

    def action_label(self, action):
        # An action without a label (added since) shows its code rather than failing the page.
        return self.t(ACTION_LABELS[action]) if action in ACTION_LABELS else action

    def format_time(self, iso):
        moment = datetime.datetime.fromisoformat(iso)
        return format_datetime(moment, "d MMM y HH:mm:ss", tzinfo=ZoneInfo(STOCKHOLM),
                               locale=self.locale)

    def user_label(self, login):
        if not login:
            return "—"
        user = self.context.principals.users.get(login)
        return f"{user.fullname} ({login})" if user is not None and user.fullname else login

    def document_of(self, path):
        """``(kind, title)`` the trail's document column shows: the type with its
        number ("Beslut KS § 1") and the title, so a case and its decisions can
        be told apart."""
        if path not in self._titles:
            try:
                obj = find_resource(self.context, path)
            except KeyError:
                self._titles[path] = ("", path)
            else:
                if isinstance(obj, Moved):  # an entry from before a rename
                    obj = obj.target
                schema = get_schemas(self.request.registry).get(getattr(obj, "type_name", None))
                if schema is None:
                    self._titles[path] = ("", getattr(obj, "title", "") or path)
                else:
                    number = schema.number_of(obj.data)
                    kind = self.title_of(schema.title) + (f" {number}" if number else "")
                    self._titles[path] = (kind, obj.title or path)
        return self._titles[path]

    def chain_label(self, chain):
        """A chain without a document, by the name of whom it concerns ("Användare: Anna Revisor")."""
        kind, _sep, login = chain.partition(":")
        if kind == "user":
            return self.t(_("Användare: ${name}", mapping={"name": self.user_label(login)}))
        if kind == "login":
            return self.t(_("Inloggningsförsök: ${name}", mapping={"name": login or "—"}))
        return chain

    def row(self, entry):
        path = entry.get("path")
        return {
            "time": self.format_time(entry["time"]),
            "iso": entry["time"],
            "user": self.user_label(entry.get("actor")),
            "roles": ", ".join(GLOBAL_ROLES.get(r, r) for r in entry.get("roles") or ()),
            "action": self.action_label(entry["action"]),
            "url": self.request.application_url + path if path else None,
            "kind": self.document_of(path)[0] if path else "",
            "title": self.document_of(path)[1] if path else "",
            "dnr": entry.get("dnr") or "",
            "chain": entry["chain"],
            "chain_label": self.chain_label(entry["chain"]),
            "seq": entry["seq"],
            "details": summarise(self, entry),
        }

    # -- views -------------------------------------------------------------------------
    @view_config(context=Root, name="audit", request_method="GET", accept="text/html",
                 permission=AUDIT, path_info=r"^/audit/?$", renderer=TEMPLATE)
    def listing(self, verification=None):
        try:
            start = max(0, int(self.request.GET.get("b_start", 0)))
        except ValueError:
            start = 0
        entries, total = self.entries(start, PAGE_SIZE)
        return {
            "page": self,
            "rows": [self.row(e) for e in entries],
            "total": total,
            "first": start + 1 if entries else 0,
            "last": start + len(entries),
            "previous_url": self.url(b_start=str(max(0, start - PAGE_SIZE))) if start else None,
            "next_url": (self.url(b_start=str(start + PAGE_SIZE))
                         if start + PAGE_SIZE < total else None),
            "verification": verification,
        }

    @view_config(context=Root, name="audit", request_method="GET", accept="text/html",
                 permission=AUDIT, path_info=r"^/audit/verify/?$", renderer=TEMPLATE)
    def verify(self):
        # What was written since the last seal, checked in the request (it costs what
        # was added since); the full check of every seal is audit-verify's, run nightly.
        result = verify_recent(self.context).as_dict()
        if result["since"]:
            result["since_text"] = self.format_time(result["since"])
        for problem in result["problems"] + [p for p in [result["first_invalid"]] if p]:
            problem["reason_text"] = problem_text(self, problem)
            problem["time_text"] = self.format_time(problem["time"]) if problem["time"] else "—"
        return self.listing(verification=result)

    @view_config(context=Root, name="audit", request_method="GET", permission=AUDIT,
                 path_info=r"^/audit/export\.csv$")
    def export_csv(self):
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow([self.t(heading) for heading in CSV_HEADINGS])
        for entry in self.entries()[0]:
            row = self.row(entry)
            writer.writerow([_cell(v) for v in (
                entry["time"], row["time"], row["user"], row["roles"], row["action"],
                entry["action"], entry.get("path", ""), row["dnr"], entry.get("type", ""),
                entry.get("state", ""), " ".join(row["details"]),
                json.dumps(entry.get("details", {}), ensure_ascii=False, default=str),
                entry["chain"], entry["seq"], entry.get("hash", ""))])
        # A byte order mark: Excel then reads UTF-8 (å, ä, ö); Swedish Excel splits on ";".
        return self._download("\ufeff" + out.getvalue(), "text/csv", "csv")

    @view_config(context=Root, name="audit", request_method="GET", permission=AUDIT,
                 path_info=r"^/audit/export\.json$")
    def export_json(self):
        entries, total = self.entries()
        body = {"exported": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "filters": {k: v for k, v in self.values.items() if v},
                "items_total": total, "items": entries}
        text = json.dumps(body, ensure_ascii=False, indent=1, default=str)
        return self._download(text, "application/json", "json")

    def _download(self, text, content_type, extension):
        stamp = datetime.datetime.now(ZoneInfo(STOCKHOLM)).strftime("%Y%m%d-%H%M")
        response = Response(body=text.encode("utf-8"), content_type=content_type, charset="utf-8")
        response.content_disposition = f'attachment; filename="granskningslogg-{stamp}.{extension}"'
        response.cache_control = "private, no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def _cell(value):
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

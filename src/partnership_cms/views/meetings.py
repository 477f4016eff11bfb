"""The meeting pages: "Mina sammanträden", a meeting's agenda page and the
live page of one item, where the members move motions and vote.

``GET /my-meetings`` (VIEW): the meetings of the bodies the user sits on (a
clerk: all), upcoming first. ``GET <meeting>`` (VIEW; the document page of a
Meeting): the agenda with each item's case and documents, the meeting's
transitions, and the clerk's and chair's forms. One item being treated,
``GET <meeting>/item/<n>``, is in ``meeting_item.py``.

Every form posts to ``POST <meeting>/act`` or ``POST <meeting>/item/<n>``
(VIEW, CSRF) with ``act`` naming one act of ``meetings.services.ACTS``
(``meeting_forms.py``). The service decides who may: a refusal re-renders the
page with the service's reason beside the form that was sent, with its 4xx
status, and nothing is written. The pages only choose which forms to offer.
Every page reads the agenda through ``readable_agenda`` (``MeetingPage.readable``).
"""
from __future__ import annotations

import datetime

from pyramid.decorator import reify
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.traversal import resource_path
from pyramid.view import view_config

from .. import catalog
from ..bodies import get_bodies, membership
from ..content.models import Content, Root
from ..i18n import translate
from ..meetings import readable_agenda, summary
from ..meetings.confidential import case_is_confidential
from ..meetings.services import CONTINUE, serving_on
from ..security.permissions import VIEW
from ..security.policy import roles_in_context, search_principals
from ..workflow import get_workflows
from ..workflow.meeting_steps import body_of, presides
from .base import BaseView, _, bodies_of
from .document import DocumentPage, resolve
from .meeting_forms import perform

MEETING_TYPE = "Meeting"
TEMPLATES = "partnership_cms:templates/"
MAX_MEETINGS = 200  # meetings listed on "Mina sammanträden" (a few dozen a year per body)
MAX_CANDIDATES = 200  # cases offered for the agenda
POLL_SECONDS = 2  # meeting.js asks for the live part at most this often

MOTION_TITLES = {
    "approve": _("Bifall"),
    "reject": _("Avslag"),
    "refer_back": _("Återremiss"),
    "table": _("Bordläggning"),
    "amend": _("Ändringsyrkande"),
    "add": _("Tilläggsyrkande"),
}
STATUS_TITLES = {"pending": _("Ej avgjord"), "decided": _("Avgjord"), "noted": _("Anmäld")}
CONTINUE_TITLE = _("Ärendet behandlas vidare")
class TypeNamePredicate:
    """View predicate ``type_name="Meeting"``: the view is for content of that type
    (a type's own document page before the generic one)."""

    def __init__(self, value, config):
        self.value = value

    def text(self):
        return f"type_name = {self.value}"

    phash = text

    def __call__(self, context, request):
        return getattr(context, "type_name", None) == self.value


# -- who sits where -----------------------------------------------------------------
def is_clerk(request, context):
    return "clerk" in roles_in_context(request, context)


def meetings_for(request, states=None):
    """The meetings the user may see of the bodies they sit on (a clerk: every body)."""
    root = request.root
    if is_clerk(request, root):
        bodies = sorted(get_bodies(request.registry))
    else:
        bodies = [b.id for b in bodies_of(request, request.authenticated_userid)]
    if not bodies:
        return []
    objects, _total = catalog.search(request, search_principals(request), type=MEETING_TYPE, state=states,
                                     body=bodies, size=MAX_MEETINGS)
    today = datetime.date.today()
    upcoming = sorted((m for m in objects if m.data["date"] >= today), key=_when)
    past = sorted((m for m in objects if m.data["date"] < today), key=_when, reverse=True)
    return upcoming + past


def _when(meeting):
    return meeting.data["date"], meeting.data.get("time") or ""


def open_votes_for(request, meeting, login):
    """The items of ``meeting`` with a vote open in which ``login`` serves and has not voted."""
    if meeting.state != "open" or login is None:
        return []
    body = body_of(request, meeting)
    waiting = []
    for item in readable_agenda(request, meeting):
        for vote in item.get("votes") or ():
            if vote["open"] and login in serving_on(meeting, body, item, request.root) and \
                    not any(b["member"] == login for b in vote["ballots"]):
                waiting.append(item)
    return waiting


def what_awaits(page):
    """For the start page: the meetings convened or open for the user's bodies
    and the votes they may still cast, as ``[{text, url}]``."""
    request = page.request
    login = request.authenticated_userid
    if login is None or not bodies_of(request, login):
        return []
    tasks = []
    for meeting in meetings_for(request, states=["convened", "open"]):
        label = page.document_label(meeting)
        for item in open_votes_for(request, meeting, login):
            tasks.append({"text": translate(request, _("Rösta nu: ${meeting}, punkt ${item} ${title}", mapping={
                "meeting": label, "item": _item_label(item), "title": item["title"]})),
                "url": request.resource_url(meeting, "item", str(item["item"]))})
        if meeting.state == "convened":
            text = _("Kallad till ${meeting} den ${date}", mapping={
                "meeting": label, "date": page.format_date(meeting.data["date"])})
        else:
            text = _("Pågår nu: ${meeting}", mapping={"meeting": label})
        tasks.append({"text": translate(request, text), "url": request.resource_url(meeting)})
    return tasks


def _item_label(item):
    return f"§ {item['paragraph']}" if item.get("paragraph") else str(item["item"])


# -- Mina sammanträden --------------------------------------------------------------
class MyMeetingsView(BaseView):
    @view_config(context=Root, name="my-meetings", request_method="GET", accept="text/html",
                 renderer=TEMPLATES + "my_meetings.pt", permission=VIEW)
    def __call__(self):
        if self.user is None:
            return HTTPSeeOther(self.request.application_url + "/login?came_from=" + self.request.path_qs)
        today = datetime.date.today()
        rows = [self.row(m, today) for m in meetings_for(self.request)]
        tr = self.request.localizer.translate
        return {"page": self, "groups": [
            ("upcoming", tr(_("Kommande och pågående")), [r for r in rows if not r["past"]]),
            ("past", tr(_("Tidigare")), [r for r in rows if r["past"]])]}

    def row(self, meeting, today):
        request = self.request
        body = body_of(request, meeting)
        waiting = open_votes_for(request, meeting, request.authenticated_userid)
        return {"url": request.resource_url(meeting), "title": meeting.title, "body": self.title_of(body.title),
                "date": self.format_date(meeting.data["date"]), "date_iso": meeting.data["date"].isoformat(),
                "time": meeting.data.get("time") or "", "place": meeting.data.get("place") or "",
                "state": meeting_state_title(self, meeting), "past": meeting.data["date"] < today,
                "votes": [{"url": request.resource_url(meeting, "item", str(i["item"])),
                           "label": _item_label(i)} for i in waiting]}


def meeting_state_title(page, meeting):
    state = get_workflows(page.request.registry).definition(MEETING_TYPE).states.get(meeting.state)
    return page.title_of(state.title) if state else meeting.state


# -- the meeting's pages ----------------------------------------------------------------
class MeetingPage(DocumentPage):
    """What meeting.pt and meeting_item.pt read."""

    def __init__(self, context, request):
        super().__init__(context, request)
        self.refused = {}  # {act: the service's reason}, shown beside the form that was sent

    @reify
    def body(self):
        return body_of(self.request, self.context)

    @reify
    def seats(self):
        return membership(self.request.root, self.body)

    @reify
    def live(self):
        return summary(self.request, self.context)

    @reify
    def login(self):
        return self.request.authenticated_userid

    @reify
    def is_clerk(self):
        return is_clerk(self.request, self.context)

    @reify
    def presides(self):
        return presides(self.request, self.context, self.body)

    @property
    def state(self):
        return self.context.state

    @property
    def body_title(self):
        return self.title_of(self.body.title)

    def meeting_facts(self):
        """(label, value) of the meeting's head: body, date, time, place, notice."""
        data = self.context.data
        facts = [(self.label("body"), self.body_title), (self.label("date"), self.format_date(data["date"]))]
        for name in ("time", "place"):
            if data.get(name):
                facts.append((self.label(name), data[name]))
        if data.get("convened_on"):
            facts.append((self.label("convened_on"), self.format_date(data["convened_on"])))
        return facts

    def name_of(self, login):
        return self.fullname(login)

    def tr(self, message):
        return self.request.localizer.translate(message)

    # -- the agenda -------------------------------------------------------------------
    @reify
    def readable(self):
        # The one place the pages read the agenda: a confidential item only whole to those who may read it.
        return readable_agenda(self.request, self.context)

    def agenda(self):
        return list(self.readable)

    def items(self):
        """Each agenda item as what the agenda shows."""
        return [self.describe_item(item) for item in self.agenda()]

    def describe_item(self, item):
        case = self.link(item.get("proposal")) if item.get("proposal") else None
        return {"number": item["item"], "paragraph": item.get("paragraph"), "title": item["title"],
                "kind": self.choice("agenda", item["kind"], item="kind"),
                "status": self.tr(STATUS_TITLES.get(item.get("status"), item.get("status") or "")),
                "outcome": self.outcome_title(item.get("outcome")) if item.get("outcome") else "",
                "url": self.request.resource_url(self.context, "item", str(item["item"])),
                "case": case, "documents": self.documents_of(item) if case else [],
                "decision": self.link(item.get("decision")) if item.get("decision") else None,
                "vote_open": any(v["open"] for v in item.get("votes") or ()),
                "confidential": bool(item.get("confidential")), "hidden": bool(item.get("hidden")),
                # The case's own mark rules: the clerk cannot lift it from the agenda.
                "case_confidential": case_is_confidential(self.request.root, item)}

    def documents_of(self, item):
        """(url, label) of a case's documents: its files (bilagor) and linked documents."""
        proposal = resolve(self.request.root, item["proposal"])
        if proposal is None:
            return []
        case_page = DocumentPage(proposal, self.request)
        documents = []
        files = case_page.files
        if files is not None:
            documents += [(f["url"], f["filename"]) for f in (files.describe(a) for a in proposal.attachments())]
        for _label, links in case_page.links():
            documents += links
        return documents

    def outcome_title(self, outcome):
        if outcome == CONTINUE:
            return self.tr(CONTINUE_TITLE)
        if outcome == "noted":
            return self.tr(_("Anmäld"))
        transition = self.body.outcomes.get(outcome)
        proposal_workflow = self.workflow.definitions.get("Proposal")
        if transition and proposal_workflow is not None and transition in proposal_workflow.transitions:
            return self.title_of(proposal_workflow.transitions[transition].title)
        return outcome

    def outcomes(self):
        """(value, title) of what the body may decide on a case."""
        return [(o, self.outcome_title(o)) for o in self.body.outcomes]

    @property
    def may_change_agenda(self):
        return self.is_clerk and self.state in ("planned", "convened")

    @property
    def may_mark_confidential(self):
        return self.is_clerk and self.state in ("planned", "convened", "open")

    def candidates(self):
        """(path, label) of the cases that stand before the body and are not on the agenda yet."""
        if self.body.agenda_state is None:
            return []
        objects, _total = catalog.search(self.request, search_principals(self.request), type="Proposal",
                                         state=self.body.agenda_state, sort="title_sort", reverse=False,
                                         size=MAX_CANDIDATES)
        placed = {item.get("proposal") for item in self.agenda()}
        return [(resource_path(o), self.document_label(o)) for o in objects if resource_path(o) not in placed]

    # -- attendance -------------------------------------------------------------------
    @property
    def may_call_roll(self):
        return self.state == "open" and not self.context.data.get("roll_called") and (
            self.is_clerk or self.presides)

    def members(self):
        return [(m, self.name_of(m)) for m in self.seats["members"]]

    def substitutes(self):
        return [(s, self.name_of(s)) for s in self.seats["substitutes"]]

    def attendance(self):
        """Each seat after the roll call: its member, present or not, the substitute serving in it."""
        present = {a["member"] for a in self.context.data.get("attendance") or () if a["status"] == "present"}
        in_seat = {s["for"]: s["substitute"] for s in self.context.data.get("substitutions") or ()}
        return [{"login": m, "member": self.name_of(m), "present": m in present,
                 "substitute_login": in_seat.get(m),
                 "substitute": self.name_of(in_seat[m]) if m in in_seat else None}
                for m in self.seats["members"]]

    @property
    def may_change_attendance(self):
        """After the roll call the clerk or the chair records arrivals, departures and substitutes."""
        return self.state == "open" and bool(self.context.data.get("roll_called")) and (
            self.is_clerk or self.presides)

    def free_substitutes(self):
        """(login, name) of the substitutes not serving in a seat now."""
        taken = {s["substitute"] for s in self.context.data.get("substitutions") or ()}
        return [(s, self.name_of(s)) for s in self.seats["substitutes"] if s not in taken]

    @property
    def serving_count(self):
        return len(self.live["serving"])

    # -- refusals -------------------------------------------------------------------------
    def refusal(self, act):
        """The service's reason for refusing ``act`` just now, or None."""
        return self.refused.get(act)

    def shows(self, offered, *acts):
        """Whether a form is on the page: offered to this user now, or just refused
        (a refused form stays, with the reason beside it)."""
        return bool(offered) or any(act in self.refused for act in acts)


class MeetingView(MeetingPage):
    @view_config(context=Content, type_name=MEETING_TYPE, request_method="GET", accept="text/html",
                 renderer=TEMPLATES + "meeting.pt", permission=VIEW)
    def show(self):
        return {"page": self}

    @view_config(context=Content, type_name=MEETING_TYPE, name="act", request_method="POST",
                 accept="text/html", renderer=TEMPLATES + "meeting.pt", permission=VIEW)
    def act(self):
        done = perform(self)
        if done is not None:
            return done
        return {"page": self}

"""The live page of one agenda item (``GET <meeting>/item/<n>``), where the
members move motions and vote and the chair puts the questions and decides;
``<meeting>/item/<n>/live`` is its live part alone, which ``static/meeting.js``
fetches at most every 2 seconds. Its forms post to ``<meeting>/item/<n>``
(see ``meetings.py`` for how an act is performed and a refusal shown).
"""
from __future__ import annotations

from pyramid.decorator import reify
from pyramid.httpexceptions import HTTPNotFound
from pyramid.renderers import get_renderer
from pyramid.view import view_config

from ..bodies import rules
from ..content.models import Content
from ..meetings.services import CONTINUE, MAX_NOTE, MOTION_KINDS, WORDED_MOTIONS, serving_on
from ..security.permissions import VIEW
from .base import _
from .errors import TEMPLATE as ERROR_TEMPLATE
from .errors import error_page
from .meeting_forms import VOTE_TITLES, perform
from .meetings import (
    CONTINUE_TITLE,
    MEETING_TYPE,
    MOTION_TITLES,
    POLL_SECONDS,
    STATUS_TITLES,
    TEMPLATES,
    MeetingPage,
)


class ItemView(MeetingPage):
    """``<meeting>/item/<n>``: one item being treated."""

    @reify
    def item(self):
        subpath = self.request.subpath
        number = subpath[0] if subpath else ""
        item = next((i for i in self.agenda() if str(i["item"]) == number), None)
        if item is None:
            raise HTTPNotFound()
        return item

    @reify
    def item_live(self):
        return next(i for i in self.live["items"] if i["item"] == self.item["item"])

    @property
    def item_url(self):
        return self.request.resource_url(self.context, "item", str(self.item["item"]))

    @property
    def live_macros(self):
        return get_renderer(TEMPLATES + "meeting_live.pt").implementation().macros

    @property
    def status_title(self):
        return self.tr(STATUS_TITLES.get(self.item.get("status"), self.item.get("status") or ""))

    @property
    def case_link(self):
        return self.link(self.item.get("proposal")) if self.item.get("proposal") else None

    @property
    def decision_link(self):
        return self.link(self.item.get("decision")) if self.item.get("decision") else None

    @property
    def live_url(self):
        return self.item_url + "/live"

    @property
    def poll_ms(self):
        return POLL_SECONDS * 1000

    @property
    def heading(self):
        number = f"§ {self.item['paragraph']}" if self.item.get("paragraph") else self.tr(
            _("Punkt ${item}", mapping={"item": self.item["item"]}))
        return f"{number} {self.item['title']}"

    @property
    def live_version(self):
        """Changes whenever anything on the live part may have: meetings.js compares it."""
        return self.context.modified.isoformat()

    @reify
    def serving_here(self):
        return serving_on(self.context, self.body, self.item, self.request.root)

    @property
    def serves(self):
        return self.login in self.serving_here

    @property
    def pending(self):
        return self.item.get("status") == "pending" and self.state == "open"

    @property
    def is_case(self):
        return self.item["kind"] == "decision"

    def motions(self):
        return [{"number": m["number"], "kind": self.tr(MOTION_TITLES.get(m["kind"], m["kind"])),
                 "mover": self.name_of(m["mover"]), "text": m["text"],
                 "supporters": [self.name_of(s) for s in m["supporters"]],
                 "may_support": self.serves and self.pending and self.login != m["mover"]
                 and self.login not in m["supporters"]}
                for m in self.item.get("motions") or ()]

    def motion_kinds(self):
        return [(k, self.tr(MOTION_TITLES[k]), k in WORDED_MOTIONS) for k in MOTION_KINDS]

    def vote_choices(self):
        return [(v, self.tr(VOTE_TITLES[v])) for v in rules.VOTES]

    def vote_meanings(self):
        """(value, title) of what ja or nej may mean: an outcome, or that the item continues."""
        return [*self.outcomes(), (CONTINUE, self.tr(CONTINUE_TITLE))]

    def votes(self):
        """Each vote on the item: its question, meaning, counts, who voted, the user's own ballot."""
        described = []
        for vote, live in zip(self.item.get("votes") or (), self.item_live["votes"], strict=True):
            own = next((b["vote"] for b in vote["ballots"] if b["member"] == self.login), None)
            described.append({
                "number": vote["number"], "question": vote.get("question") or "", "open": vote["open"],
                "ja": self._meaning(vote["ja"]), "nej": self._meaning(vote["nej"]),
                "counts": [(self.tr(VOTE_TITLES[v]), live["counts"][v]) for v in rules.VOTES],
                "voted": [self.name_of(m) for m in live["voted"]],
                "ballots": [(self.name_of(b["member"]), self.tr(VOTE_TITLES[b["vote"]]))
                            for b in vote["ballots"]] if not vote["open"] else [],
                "result": self.tr(VOTE_TITLES[vote["result"]]) if vote.get("result") else "",
                "result_means": self._meaning(vote[vote["result"]]) if vote.get("result") else "",
                "casting": vote.get("casting"),
                "own": self.tr(VOTE_TITLES[own]) if own else None,
                "may_vote": vote["open"] and own is None and self.serves,
            })
        return described

    def _meaning(self, value):
        return self.tr(CONTINUE_TITLE) if value == CONTINUE else self.outcome_title(value)

    @property
    def vote_open(self):
        return any(v["open"] for v in self.item.get("votes") or ())

    def reservations(self):
        return [(self.name_of(r["member"]), r.get("reason") or "") for r in self.item.get("reservations") or ()]

    @property
    def may_reserve(self):
        return (self.state == "open" and self.item.get("status") == "decided" and self.login in
                (self.item.get("present") or ()) and
                not any(r["member"] == self.login for r in self.item.get("reservations") or ()))

    @property
    def minority_referral(self):
        return self.body.minority_referral

    # -- jäv and protokollsanteckningar ---------------------------------------------------
    def recused(self):
        return [self.name_of(m) for m in self.item.get("recused") or ()]

    @property
    def may_recuse(self):
        """A member or substitute of the body declares their own jäv while the item is undecided."""
        seats = self.seats
        return self.pending and not self.vote_open and self.login not in (self.item.get("recused") or ()) and (
            self.login in seats["members"] or self.login in seats["substitutes"])

    @property
    def may_record_recusal(self):
        """The clerk or the chair records a named member's jäv."""
        return self.pending and not self.vote_open and (self.is_clerk or self.presides)

    def recusable(self):
        """(login, name) of the members and substitutes who have not declared jäv on the item."""
        recused = set(self.item.get("recused") or ())
        return [(m, self.name_of(m)) for m in (*self.seats["members"], *self.seats["substitutes"])
                if m not in recused]

    def notes(self):
        return [(self.name_of(n["member"]), n["text"]) for n in self.item.get("notes") or ()]

    @property
    def may_note(self):
        return self.state == "open" and self.serves and not any(
            n["member"] == self.login for n in self.item.get("notes") or ())

    @property
    def max_note(self):
        return MAX_NOTE

    def live_summary(self):
        """The one sentence screen readers hear when the live part changes: quorum and the open vote's count."""
        serving = len(self.serving_here)
        if self.item_live["quorum"]:
            text = _("Beslutfört: ${count} av ${seats} tjänstgör i punkten.",
                     mapping={"count": serving, "seats": self.live["seats"]})
        else:
            text = _("Inte beslutfört: ${count} av ${seats} tjänstgör i punkten.",
                     mapping={"count": serving, "seats": self.live["seats"]})
        parts = [self.tr(text)]
        for vote in self.item_live["votes"]:
            if vote["open"]:
                counts = vote["counts"]
                parts.append(self.tr(_("Votering ${number} pågår: ${voted} av ${serving} har röstat "
                                       "(ja ${ja}, nej ${nej}, avstår ${avstar}).", mapping={
                                           "number": vote["number"], "voted": len(vote["voted"]),
                                           "serving": serving, **counts})))
        return " ".join(parts)

    def refuse_hidden(self):
        """A confidential item to a reader outside the body: refused, with the reason.
        403, not 404: the agenda already shows that the item exists and that it is secret."""
        self.request.override_renderer = ERROR_TEMPLATE
        return error_page(self.request, 403, _("Sekretessbelagt ärende"), _(
            "Punkt ${item} är sekretessbelagd. Den visas bara för ledamöter och ersättare i ${body}, "
            "registratorer och administratörer.", mapping={"item": self.item["item"], "body": self.body_title}))

    @view_config(context=Content, type_name=MEETING_TYPE, name="item", request_method="GET",
                 accept="text/html", renderer=TEMPLATES + "meeting_item.pt", permission=VIEW)
    def show(self):
        if len(self.request.subpath) == 2 and self.request.subpath[1] == "live":
            self.request.override_renderer = TEMPLATES + "meeting_live.pt"
        elif len(self.request.subpath) != 1:
            raise HTTPNotFound()
        if self.item.get("hidden"):  # (a missing item is a 404 already, before anything renders)
            return self.refuse_hidden()
        return {"page": self}

    @view_config(context=Content, type_name=MEETING_TYPE, name="item", request_method="POST",
                 accept="text/html", renderer=TEMPLATES + "meeting_item.pt", permission=VIEW)
    def act(self):
        if len(self.request.subpath) != 1:
            raise HTTPNotFound()
        if self.item.get("hidden"):  # refused before the act: a re-rendered page would show the item
            return self.refuse_hidden()
        done = perform(self, back=self.item_url)
        if done is not None:
            return done
        return {"page": self}

"""The acts of a meeting: agenda, attendance, motions, votes, decisions, reservations.

Each act checks who may do it and the rule it must keep (``bodies/rules.py``),
changes the meeting's system fields and announces the change
(``events.ContentChanged`` with the act's ``AuditAction``), so the audit
trail records it in the same transaction. A vote or a roll call is never
changed afterwards: a correction is a new act (an arrival, a departure, a
substitute stepping in), audited as such. The decision on an item performs
the proposal's transition through the workflow engine
(``bodies.decisions.at_meeting`` lets it past ``decided_at_meeting``).

``ACTS`` maps each act's name (``POST .../@meeting/<act>``) to its function,
called as ``act(request, meeting, body)`` with the request's JSON object.
"""
from __future__ import annotations

import copy
import datetime

from pyramid.traversal import find_resource, resource_path

from ..bodies import membership, rules, seats_of
from ..bodies.decisions import MeetingDecision, at_meeting
from ..content.models import Content
from ..content.services import edit_content
from ..errors import ServiceError
from ..events import AuditAction, ContentChanged, notify
from ..i18n import _
from ..security.policy import roles_in_context
from ..workflow import NotAllowed, NotAvailable, get_workflows
from ..workflow.meeting_steps import body_of, presides
from .confidential import case_is_confidential, readable_agenda

MOTION_KINDS = ("approve", "reject", "refer_back", "table", "amend", "add")
WORDED_MOTIONS = ("amend", "add")  # ändrings- and tilläggsyrkanden carry their wording
CONTINUE = "continue"  # a vote whose answer decides nothing yet (e.g. an återremiss that falls)
MAX_TEXT = 10_000
MAX_NOTE = 2_000  # a protokollsanteckning is a short statement, not a written reservation


class MeetingRefused(ServiceError):
    """An act the meeting's rules refuse; the message names the rule."""

    code = "guard_failed"


class MeetingInvalid(ServiceError):
    """An act's values are not valid; ``errors`` maps each field to why."""

    code = "invalid_data"

    def __init__(self, errors):
        super().__init__(_("Uppgifterna är inte giltiga."), errors)


def _refuse(message):
    raise MeetingRefused(message)


# -- reading -------------------------------------------------------------------
def agenda(meeting):
    """A copy of the agenda to change and store back whole (its items are plain dicts)."""
    return copy.deepcopy(list(meeting.data.get("agenda") or ()))


def item_of(items, number):
    for item in items:
        if item["item"] == number:
            return item
    raise MeetingRefused(_("Punkt ${item} finns inte på föredragningslistan.", mapping={"item": str(number)}))


def serving_on(meeting, body, item=None, root=None):
    """``{login: seat}`` of who serves now (on ``item``: without its jäviga)."""
    seats = membership(root, body)
    present = {a["member"] for a in meeting.data.get("attendance") or () if a["status"] == "present"}
    substitutions = [(s["substitute"], s["for"]) for s in meeting.data.get("substitutions") or ()]
    return rules.serving(seats["members"], present, substitutions, (item or {}).get("recused", ()))


def summary(request, meeting):
    """What the live page shows: who serves, the quorum, the open votes with
    their counts (a confidential item only as its number, to readers outside the body)."""
    body = body_of(request, meeting)
    serving_now = serving_on(meeting, body, root=request.root)
    items = []
    for item in readable_agenda(request, meeting):
        if item.get("hidden"):  # confidential, and this reader is outside the body
            items.append(item)
            continue
        on_item = serving_on(meeting, body, item, request.root)
        items.append({
            "item": item["item"], "paragraph": item.get("paragraph"), "title": item["title"],
            "kind": item["kind"], "status": item.get("status"), "outcome": item.get("outcome"),
            "confidential": item["confidential"],
            "quorum": rules.has_quorum(seats_of(body), len(on_item)),
            "votes": [dict(number=v["number"], open=v["open"], result=v.get("result"),
                           counts=rules.tally({b["member"]: b["vote"] for b in v["ballots"]}),
                           voted=sorted(b["member"] for b in v["ballots"]))
                      for v in item.get("votes") or ()],
            "notes": list(item.get("notes") or ()),
        })
    return {"body": body.id, "state": meeting.state, "seats": seats_of(body),
            "serving": serving_now, "quorum": rules.has_quorum(seats_of(body), len(serving_now)),
            "roll_called": bool(meeting.data.get("roll_called")), "items": items,
            "membership": {k: list(v) if isinstance(v, tuple) else v
                           for k, v in membership(request.root, body).items()}}


# -- who -----------------------------------------------------------------------
def _login(request):
    login = request.authenticated_userid
    if login is None:
        raise NotAllowed(_("Du måste logga in."))
    return login


def _require_clerk_or_chair(request, meeting, body):
    if "clerk" in roles_in_context(request, meeting) or presides(request, meeting, body):
        return
    raise NotAllowed(_("Endast registratorn eller ordföranden i ${body} kan göra detta.",
                       mapping={"body": body.title}))


def _require_clerk(request, meeting):
    if "clerk" not in roles_in_context(request, meeting):
        raise NotAllowed(_("Endast registratorn kan ändra föredragningslistan."))


def _require_chair(request, meeting, body):
    if not presides(request, meeting, body):
        raise NotAllowed(_("Endast ordföranden eller vice ordföranden i ${body} leder sammanträdet.",
                           mapping={"body": body.title}))


def _require_state(meeting, *states):
    if meeting.state not in states:
        raise NotAvailable(_("Det går inte i sammanträdets nuvarande läge (${state}).",
                             mapping={"state": meeting.state}))


def _require_serving(request, meeting, body, item):
    login = _login(request)
    if login not in serving_on(meeting, body, item, request.root):
        if login in item.get("recused", ()):
            raise NotAllowed(_("Du har anmält jäv i punkt ${item} och deltar inte i den.",
                               mapping={"item": str(item["item"])}))
        raise NotAllowed(_("Du tjänstgör inte i ${body} just nu.", mapping={"body": body.title}))
    return login


def _require_quorum(request, meeting, body, item):
    on_item = serving_on(meeting, body, item, request.root)
    if not rules.has_quorum(seats_of(body), len(on_item)):
        _refuse(_("${body} är inte beslutfört: ${count} av ${seats} tjänstgör, mer än hälften krävs (${law}).",
                   mapping={"body": body.title, "count": len(on_item), "seats": seats_of(body),
                            "law": body.quorum_law}))


def _require_roll_call(meeting):
    if not meeting.data.get("roll_called"):
        _refuse(_("Förrätta upprop först."))


def _pending(item):
    if item.get("status") != "pending":
        _refuse(_("Punkt ${item} är redan avgjord.",
                   mapping={"item": str(item["item"])}))


def _open_vote(item):
    return next((v for v in item.get("votes") or () if v["open"]), None)


# -- storing -------------------------------------------------------------------
def _store(request, meeting, action, details, **fields):
    for name, value in fields.items():
        meeting.data[name] = value
    meeting.modified = datetime.datetime.now(datetime.UTC)
    notify(request, ContentChanged, meeting, action, details)


def _text(body, name, required=False, limit=MAX_TEXT):
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise MeetingInvalid({name: _("Ange en text (högst ${max} tecken).",
                                                                        mapping={"max": limit})})
    return value.strip()


def _flag(body, name):
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise MeetingInvalid({name: _("Ange true eller false.")})
    return value


def _int(body, name):
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise MeetingInvalid({name: _("Ange ett heltal.")})
    return value


def _choice(body, name, choices):
    value = body.get(name)
    if value not in choices:
        raise MeetingInvalid({name: _("Välj en av: ${choices}.",
                                                                        mapping={"choices": ", ".join(choices)})})
    return value


def _logins(body, name):
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MeetingInvalid({name: _("Ange en lista med användarnamn.")})
    return value


# -- the agenda (the clerk, before the meeting opens) ----------------------------
def add_item(request, meeting, body):
    """Place a case that stands before the body on the agenda."""
    _require_clerk(request, meeting)
    _require_state(meeting, "planned", "convened")
    deciding = body_of(request, meeting)
    path = _text(body, "proposal", required=True)
    try:
        proposal = find_resource(request.root, path)
    except (KeyError, ValueError):
        proposal = None
    if not isinstance(proposal, Content) or proposal.type_name != "Proposal":
        raise MeetingInvalid(
                           {"proposal": _("Hittar inget ärende på ${path}.", mapping={"path": path})})
    if deciding.agenda_state is None or proposal.state != deciding.agenda_state:
        _refuse(_("Ärendet står inte inför ${body}.",
                   mapping={"body": deciding.title}))
    items = agenda(meeting)
    proposal_path = resource_path(proposal)
    if any(item.get("proposal") == proposal_path for item in items):
        _refuse(_("Ärendet står redan på föredragningslistan."))
    confidential = _flag(body, "confidential") or bool(proposal.data.get("confidential"))
    number = _append_item(items, "decision", proposal.title, confidential, proposal=proposal_path,
                          dnr=proposal.data.get("dnr", ""))
    _store(request, meeting, AuditAction.AGENDA, {"act": "add_item", "item": number, "proposal": proposal_path,
                                                  "confidential": confidential}, agenda=items)
    return items[-1]


def _append_item(items, kind, title, confidential, **extra):
    """Put a new, undecided item last on the agenda; returns its number."""
    number = max((item["item"] for item in items), default=0) + 1
    items.append({"item": number, "kind": kind, "title": title, **extra, "status": "pending",
                  "confidential": confidential, "motions": [], "votes": [], "recused": [],
                  "reservations": [], "notes": []})
    return number


def add_information(request, meeting, body):
    """An information item (anmälningsärende, delegationsbeslut) that needs no decision."""
    _require_clerk(request, meeting)
    _require_state(meeting, "planned", "convened")
    title = _text(body, "title", required=True)
    confidential = _flag(body, "confidential")
    items = agenda(meeting)
    number = _append_item(items, "information", title, confidential)
    _store(request, meeting, AuditAction.AGENDA, {"act": "add_information", "item": number, "title": title,
                                                  "confidential": confidential}, agenda=items)
    return items[-1]


def mark_confidential(request, meeting, body):
    """The clerk marks an item confidential (sekretess), or lifts the mark; an
    item whose case is marked confidential stays so (the case's mark rules)."""
    _require_clerk(request, meeting)
    _require_state(meeting, "planned", "convened", "open")
    items = agenda(meeting)
    item = item_of(items, _int(body, "item"))
    confidential = _flag(body, "confidential") if "confidential" in body else True
    if not confidential and case_is_confidential(request.root, item):
        _refuse(_("Ärendet i punkt ${item} är sekretessmarkerat; punkten förblir sekretessbelagd.",
                  mapping={"item": str(item["item"])}))
    if bool(item.get("confidential")) == confidential:
        return item
    item["confidential"] = confidential
    _store(request, meeting, AuditAction.AGENDA,
           {"act": "confidential", "item": item["item"], "confidential": confidential}, agenda=items)
    return item


def remove_item(request, meeting, body):
    _require_clerk(request, meeting)
    _require_state(meeting, "planned", "convened")
    items = agenda(meeting)
    item = item_of(items, _int(body, "item"))
    items.remove(item)
    _store(request, meeting, AuditAction.AGENDA, {"act": "remove_item", "item": item["item"]}, agenda=items)
    return {"removed": item["item"]}


def order_items(request, meeting, body):
    """Put the items in the order given (every item, once)."""
    _require_clerk(request, meeting)
    _require_state(meeting, "planned", "convened")
    items = agenda(meeting)
    order = body.get("items")
    if not isinstance(order, list) or sorted(order, key=str) != sorted((i["item"] for i in items), key=str):
        raise MeetingInvalid(
                           {"items": _("Ange varje punkt på föredragningslistan en gång.")})
    by_number = {i["item"]: i for i in items}
    items = [by_number[n] for n in order]
    _store(request, meeting, AuditAction.AGENDA, {"act": "order", "items": order}, agenda=items)
    return [i["item"] for i in items]


# -- attendance ------------------------------------------------------------------
def roll_call(request, meeting, body):
    """The roll call at opening: which members are present, which substitute
    serves for which absent member. Done once; later changes are acts of their own."""
    deciding = body_of(request, meeting)
    _require_clerk_or_chair(request, meeting, deciding)
    _require_state(meeting, "open")
    if meeting.data.get("roll_called"):
        _refuse(_("Uppropet är redan förrättat; anmäl ändringar i närvaron i stället."))
    seats = membership(request.root, deciding)
    present = _logins(body, "present")
    strangers = [p for p in present if p not in seats["members"]]
    if strangers:
        raise MeetingInvalid(
                           {"present": _("${login} är inte ledamot i ${body}.",
                                         mapping={"login": strangers[0], "body": deciding.title})})
    attendance = [{"member": m, "status": "present" if m in present else "absent"} for m in seats["members"]]
    substitutions = []
    entries = body.get("substitutes") or []
    if not isinstance(entries, list):
        raise MeetingInvalid({"substitutes": _("Ange {substitute, for}.")})
    for entry in entries:
        substitutions.append(_substitution(deciding, seats, entry, present, substitutions))
    _store(request, meeting, AuditAction.ATTENDANCE,
           {"act": "roll_call", "attendance": attendance, "substitutions": substitutions},
           attendance=attendance, substitutions=substitutions, roll_called=True)
    return summary(request, meeting)


def _substitution(deciding, seats, entry, present, taken):
    if not isinstance(entry, dict):
        raise MeetingInvalid({"substitutes": _("Ange {substitute, for}.")})
    substitute, member = entry.get("substitute"), entry.get("for")
    if substitute not in seats["substitutes"]:
        raise MeetingInvalid(
                           {"substitute": _("${login} är inte ersättare i ${body}.",
                                            mapping={"login": str(substitute), "body": deciding.title})})
    if member not in seats["members"]:
        raise MeetingInvalid(
                           {"for": _("${login} är inte ledamot i ${body}.",
                                     mapping={"login": str(member), "body": deciding.title})})
    if member in present or any(s["for"] == member or s["substitute"] == substitute for s in taken):
        _refuse(_("En ersättare tjänstgör bara för en frånvarande ledamot, en ersättare per plats."))
    return {"substitute": substitute, "for": member}


def change_attendance(request, meeting, body):
    """A member arrives or leaves; a substitute steps in for, or out of, a member's seat."""
    deciding = body_of(request, meeting)
    _require_clerk_or_chair(request, meeting, deciding)
    _require_state(meeting, "open")
    _require_roll_call(meeting)
    seats = membership(request.root, deciding)
    change = _choice(body, "change", ("arrive", "leave", "substitute_in", "substitute_out"))
    attendance = [dict(a) for a in meeting.data.get("attendance") or ()]
    substitutions = [dict(s) for s in meeting.data.get("substitutions") or ()]
    present = {a["member"] for a in attendance if a["status"] == "present"}
    if change in ("arrive", "leave"):
        member = body.get("member")
        if member not in seats["members"]:
            raise MeetingInvalid(
                               {"member": _("${login} är inte ledamot i ${body}.",
                                            mapping={"login": str(member), "body": deciding.title})})
        status = "present" if change == "arrive" else "absent"
        attendance = [a for a in attendance if a["member"] != member] + [{"member": member, "status": status}]
        details = {"act": change, "member": member}
        if change == "arrive":  # the member takes back their seat from a substitute
            substitutions = [s for s in substitutions if s["for"] != member]
    elif change == "substitute_in":
        # For an absent member, or one who is jävig on an item (the substitute then serves on those items only).
        recused = {m for item in meeting.data.get("agenda") or () for m in item.get("recused", ())}
        entry = _substitution(deciding, seats, body, present - recused, substitutions)
        substitutions.append(entry)
        details = {"act": change, **entry}
    else:
        substitute = body.get("substitute")
        if not any(s["substitute"] == substitute for s in substitutions):
            _refuse(_("${login} tjänstgör inte som ersättare.",
                       mapping={"login": str(substitute)}))
        substitutions = [s for s in substitutions if s["substitute"] != substitute]
        details = {"act": change, "substitute": substitute}
    _store(request, meeting, AuditAction.ATTENDANCE, details, attendance=attendance, substitutions=substitutions)
    return summary(request, meeting)


def recuse(request, meeting, body):
    """A member declares jäv on an item and takes no part in it (KL 6:28–32)."""
    deciding = body_of(request, meeting)
    _require_state(meeting, "open")
    items = agenda(meeting)
    item = item_of(items, _int(body, "item"))
    _pending(item)
    login = _login(request)
    member = body.get("member", login)
    if member != login:
        _require_clerk_or_chair(request, meeting, deciding)
    seats = membership(request.root, deciding)
    if member not in seats["members"] and member not in seats["substitutes"]:
        raise MeetingInvalid(
                           {"member": _("${login} är inte ledamot i ${body}.",
                                        mapping={"login": str(member), "body": deciding.title})})
    if member in item["recused"]:
        _refuse(_("Jäv är redan anmält."))
    if _open_vote(item):
        _refuse(_("En votering pågår: jäv anmäls innan ärendet avgörs."))
    item["recused"] = item["recused"] + [member]
    _store(request, meeting, AuditAction.ATTENDANCE, {"act": "recuse", "item": item["item"], "member": member},
           agenda=items)
    return item


# -- motions and votes -------------------------------------------------------------
def move(request, meeting, body):
    """A serving member moves a motion (yrkande) on an item, in their own name."""
    deciding = body_of(request, meeting)
    _require_state(meeting, "open")
    _require_roll_call(meeting)
    items = agenda(meeting)
    item = item_of(items, _int(body, "item"))
    _pending(item)
    login = _require_serving(request, meeting, deciding, item)
    kind = _choice(body, "kind", MOTION_KINDS)
    text = _text(body, "text", required=kind in WORDED_MOTIONS)
    number = len(item["motions"]) + 1
    motion = {"number": number, "kind": kind, "mover": login, "text": text, "supporters": []}
    item["motions"] = item["motions"] + [motion]
    _store(request, meeting, AuditAction.MOTION, {"act": "move", "item": item["item"], **motion}, agenda=items)
    return motion


def support(request, meeting, body):
    """A serving member joins a motion (counts for a minority återremiss)."""
    deciding = body_of(request, meeting)
    _require_state(meeting, "open")
    items = agenda(meeting)
    item = item_of(items, _int(body, "item"))
    _pending(item)
    login = _require_serving(request, meeting, deciding, item)
    number = _int(body, "motion")
    motion = next((m for m in item["motions"] if m["number"] == number), None)
    if motion is None:
        _refuse(_("Yrkande ${motion} finns inte.",
                   mapping={"motion": str(number)}))
    if login == motion["mover"] or login in motion["supporters"]:
        _refuse(_("Du står redan bakom yrkandet."))
    motion["supporters"] = motion["supporters"] + [login]
    _store(request, meeting, AuditAction.MOTION,
           {"act": "support", "item": item["item"], "motion": number, "member": login}, agenda=items)
    return motion


def open_vote(request, meeting, body):
    """The chair calls a named vote: ja means one outcome, nej another."""
    deciding = body_of(request, meeting)
    _require_chair(request, meeting, deciding)
    _require_state(meeting, "open")
    _require_roll_call(meeting)
    items = agenda(meeting)
    item = item_of(items, _int(body, "item"))
    _pending(item)
    if _open_vote(item):
        _refuse(_("En votering pågår redan i punkt ${item}.",
                   mapping={"item": str(item["item"])}))
    _require_quorum(request, meeting, deciding, item)
    choices = (*deciding.outcomes, CONTINUE)
    vote = {"number": len(item["votes"]) + 1, "question": _text(body, "question"),
            "ja": _choice(body, "ja", choices), "nej": _choice(body, "nej", choices),
            "open": True, "ballots": [], "result": None, "casting": False}
    item["votes"] = item["votes"] + [vote]
    _store(request, meeting, AuditAction.DECLARATION,
           {"act": "open_vote", "item": item["item"], "vote": vote["number"], "question": vote["question"],
            "ja": vote["ja"], "nej": vote["nej"]}, agenda=items)
    return vote


def cast_vote(request, meeting, body):
    """A serving member votes ja, nej or avstår, once, for themselves."""
    deciding = body_of(request, meeting)
    _require_state(meeting, "open")
    items = agenda(meeting)
    item = item_of(items, _int(body, "item"))
    vote = _open_vote(item)
    if vote is None:
        _refuse(_("Ingen votering pågår i punkt ${item}.",
                   mapping={"item": str(item["item"])}))
    login = _require_serving(request, meeting, deciding, item)
    choice = _choice(body, "vote", rules.VOTES)
    if any(b["member"] == login for b in vote["ballots"]):
        _refuse(_("Du har redan röstat i den här voteringen."))
    vote["ballots"] = vote["ballots"] + [{"member": login, "vote": choice}]
    _store(request, meeting, AuditAction.VOTE,
           {"act": "vote", "item": item["item"], "vote": vote["number"], "member": login, "choice": choice},
           agenda=items)
    return {"item": item["item"], "vote": vote["number"], "member": login, "choice": choice, "counted": True}


def close_vote(request, meeting, body):
    """The chair closes the vote; the result, with the casting vote on a tie (KL 5:58)."""
    deciding = body_of(request, meeting)
    _require_chair(request, meeting, deciding)
    _require_state(meeting, "open")
    items = agenda(meeting)
    item = item_of(items, _int(body, "item"))
    vote = _open_vote(item)
    if vote is None:
        _refuse(_("Ingen votering pågår i punkt ${item}.",
                   mapping={"item": str(item["item"])}))
    ballots = {b["member"]: b["vote"] for b in vote["ballots"]}
    seats = membership(request.root, deciding)
    chair = request.authenticated_userid if request.authenticated_userid in ballots else seats["chair"]
    try:
        result, casting = rules.vote_result(ballots, chair, body.get("casting"))
    except rules.TieNeedsCastingVote:
        _refuse(_("Lika röstetal: ordföranden avgör med sin utslagsröst (KL 5:58); ange casting: ja eller nej."))
    vote.update(open=False, result=result, casting=casting)
    counts = rules.tally(ballots)
    _store(request, meeting, AuditAction.DECLARATION,
           {"act": "close_vote", "item": item["item"], "vote": vote["number"], "result": result,
            "casting": casting, "counts": counts}, agenda=items)
    return dict(vote, counts=counts)


# -- deciding ------------------------------------------------------------------------
def _voted_outcome(item):
    """The outcome the last closed vote gave, or None (none, or it decided nothing yet)."""
    closed = [v for v in item.get("votes") or () if not v["open"]]
    if not closed:
        return None, None
    last = closed[-1]
    outcome = last[last["result"]]
    return (None if outcome == CONTINUE else outcome), last


def decide(request, meeting, body):
    """The chair declares the item's decision; for a case, the proposal's
    transition is performed through the engine and the Decision records the §,
    the motions, the named vote and who served."""
    deciding = body_of(request, meeting)
    _require_chair(request, meeting, deciding)
    _require_state(meeting, "open")
    _require_roll_call(meeting)
    items = agenda(meeting)
    item = item_of(items, _int(body, "item"))
    _pending(item)
    if _open_vote(item):
        _refuse(_("En votering pågår: ordföranden avslutar den först."))
    _require_quorum(request, meeting, deciding, item)
    serving_now = serving_on(meeting, deciding, item, request.root)
    if item["kind"] == "information":
        item.update(status="noted", outcome="noted", present=sorted(serving_now))
        _store(request, meeting, AuditAction.DECLARATION,
               {"act": "decide", "item": item["item"], "outcome": "noted"}, agenda=items)
        return item
    minority = body.get("minority") is True
    voted, last_vote = _voted_outcome(item)
    if minority:
        outcome = "refer_back"
        _check_minority(request, deciding, item, serving_now)
    else:
        outcome = body.get("outcome") or voted
        if not isinstance(outcome, str) or outcome not in deciding.outcomes:
            raise MeetingInvalid(
                               {"outcome": _("Välj en av: ${choices}.",
                                             mapping={"choices": ", ".join(deciding.outcomes)})})
        if voted is not None and outcome != voted:
            _refuse(_("Beslutet måste följa voteringens utfall (${outcome}).",
                       mapping={"outcome": _outcome_title(request, deciding, voted)}))
    proposal = find_resource(request.root, item["proposal"])
    transition = deciding.outcomes[outcome]
    values = {
        "motions": [{"kind": m["kind"], "mover": m["mover"], "text": m["text"]} for m in item["motions"]],
        "present": sorted(serving_now),
        "minority_referral": minority,
    }
    if last_vote is not None:
        ballots = {b["member"]: b["vote"] for b in last_vote["ballots"]}
        counts = rules.tally(ballots)
        values.update(named_vote=[{"member": m, "vote": v} for m, v in sorted(ballots.items())],
                      votes_yes=counts["ja"], votes_no=counts["nej"], votes_abstain=counts["avstar"])
    payload = {"meeting_date": meeting.data["date"].isoformat()}
    text = _text(body, "decision_text")
    if text:
        payload["decision_text"] = text
    if outcome == "refer_back":
        motion = next((m for m in item["motions"] if m["kind"] == "refer_back"), None)
        payload["comment"] = (motion and motion["text"]) or _text(body, "comment") or (
            f"Återremitterat av {deciding.id} § {item['paragraph']}.")
    else:
        payload["comment"] = _text(body, "comment")
    record = MeetingDecision(proposal=item["proposal"], meeting=resource_path(meeting),
                             paragraph=item["paragraph"], values=values)
    with at_meeting(request, proposal, record):
        get_workflows(request.registry).perform(request, proposal, transition, payload)
    decision = proposal.links.get("decisions", ())[-1]
    item.update(status="decided", outcome=outcome, decision=decision, present=sorted(serving_now),
                minority_referral=minority)
    _store(request, meeting, AuditAction.DECLARATION,
           {"act": "decide", "item": item["item"], "outcome": outcome, "transition": transition,
            "decision": decision, "paragraph": item["paragraph"], "minority_referral": minority}, agenda=items)
    return item


def _outcome_title(request, deciding, outcome):
    """The {sv, en} title of the proposal transition an outcome performs (rendered by the edge)."""
    transition = get_workflows(request.registry).definition("Proposal").transitions[deciding.outcomes[outcome]]
    return transition.title


def _check_minority(request, deciding, item, serving_now):
    """KL 5:50: a third of those present force återremiss, once per matter."""
    if not deciding.minority_referral:
        _refuse(_("Minoritetsåterremiss finns bara i fullmäktige (KL 5:50)."))
    motion = next((m for m in item["motions"] if m["kind"] == "refer_back"), None)
    if motion is None:
        _refuse(_("Det finns inget yrkande om återremiss."))
    supporters = {motion["mover"], *motion["supporters"]} & set(serving_now)
    proposal = find_resource(request.root, item["proposal"])
    used = any(_decision_at(request, path).get("minority_referral") for path in proposal.links.get("decisions", ()))
    if not rules.minority_referral_carries(len(supporters), len(serving_now), used):
        if used:
            _refuse(_("Ärendet har redan återremitterats av en minoritet en gång (KL 5:50)."))
        _refuse(_("${count} av ${present} närvarande står bakom återremissen; en tredjedel krävs (KL 5:50).",
                   mapping={"count": len(supporters), "present": len(serving_now)}))


def _decision_at(request, path):
    try:
        return find_resource(request.root, path).data
    except KeyError:
        return {}


def reserve(request, meeting, body):
    """A member who took part in the decision reserves against it, with or
    without a reason, before the meeting closes (KL 4:27)."""
    deciding = body_of(request, meeting)
    _require_state(meeting, "open")
    items = agenda(meeting)
    item = item_of(items, _int(body, "item"))
    login = _login(request)
    if item.get("status") != "decided":
        _refuse(_("Reservation anmäls mot ett fattat beslut."))
    if login not in item.get("present", ()):
        _refuse(_("Bara den som deltog i beslutet kan reservera sig (KL 4:27)."))
    if any(r["member"] == login for r in item["reservations"]):
        _refuse(_("Du har redan reserverat dig."))
    reservation = {"member": login, "reason": _text(body, "reason")}
    item["reservations"] = item["reservations"] + [reservation]
    _store(request, meeting, AuditAction.RESERVATION, {"act": "reserve", "item": item["item"], **reservation},
           agenda=items)
    decision = find_resource(request.root, item["decision"])
    reservations = [*list(decision.data.get("reservations") or ()), reservation]
    edit_content(request, decision, {"reservations": reservations}, allow_system=True,
                 reason=f"Reservation vid sammanträdet ({deciding.id} § {item['paragraph']})")
    return reservation


def note(request, meeting, body):
    """A serving member asks to have a protokollsanteckning (a short statement
    of their own) entered in the minutes at an item, before the meeting closes."""
    deciding = body_of(request, meeting)
    _require_state(meeting, "open")
    items = agenda(meeting)
    item = item_of(items, _int(body, "item"))
    login = _require_serving(request, meeting, deciding, item)
    text = _text(body, "text", required=True, limit=MAX_NOTE)
    notes = list(item.get("notes") or ())
    if any(n["member"] == login for n in notes):
        _refuse(_("Du har redan lämnat en protokollsanteckning i punkt ${item}.",
                  mapping={"item": str(item["item"])}))
    entry = {"member": login, "text": text}
    item["notes"] = [*notes, entry]
    _store(request, meeting, AuditAction.NOTE, {"act": "note", "item": item["item"], **entry}, agenda=items)
    return entry


ACTS = {
    "add_item": add_item,
    "add_information": add_information,
    "confidential": mark_confidential,
    "remove_item": remove_item,
    "order": order_items,
    "roll_call": roll_call,
    "attendance": change_attendance,
    "recuse": recuse,
    "move": move,
    "support": support,
    "open_vote": open_vote,
    "vote": cast_vote,
    "close_vote": close_vote,
    "decide": decide,
    "reserve": reserve,
    "note": note,
}


def perform_act(request, meeting, name, body):
    """Perform the act ``name`` on ``meeting``; returns what it made (JSON-shaped)."""
    act = ACTS.get(name)
    if act is None:
        raise UnknownAct(_("Sammanträdet har ingen åtgärd '${act}'.", mapping={"act": name}))
    return act(request, meeting, body)


class UnknownAct(ServiceError):
    code = "unknown_transition"  # answered 404, like an unknown transition



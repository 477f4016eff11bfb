"""How a meeting page's form performs its act (``POST <meeting>/act`` and
``POST <meeting>/item/<n>``): the form's fields become the service's JSON-shaped
body, ``meetings.services.perform_act`` decides, and a refusal is kept for the
page to show beside the form (its 4xx status set, nothing written).
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther

from ..api.errors import status_of
from ..errors import ServiceError
from ..i18n import translate
from ..meetings import ACTS, perform_act
from .base import _
from .formkit import doom

VOTE_TITLES = {"ja": _("Ja"), "nej": _("Nej"), "avstar": _("Avstår")}
# What the page says after each act succeeded (the rest get a generic message).
DONE = {
    "add_item": _("Ärendet är placerat på föredragningslistan."),
    "add_information": _("Anmälningsärendet är tillagt."),
    "remove_item": _("Punkten är borttagen från föredragningslistan."),
    "order": _("Föredragningslistan är omordnad."),
    "roll_call": _("Uppropet är förrättat."),
    "attendance": _("Närvaron är ändrad."),
    "recuse": _("Jävet är anmält."),
    "move": _("Ditt yrkande är anmält."),
    "support": _("Du står nu bakom yrkandet."),
    "open_vote": _("Voteringen är öppnad."),
    "close_vote": _("Voteringen är avslutad."),
    "decide": _("Beslutet är fattat."),
    "reserve": _("Din reservation är anmäld."),
    "note": _("Din protokollsanteckning är anmäld."),
    "confidential": _("Sekretessmarkeringen är ändrad."),
}
INT_FIELDS = ("item", "motion")  # sent as numbers; anything else is passed on for the service to refuse
BOOLEAN_FIELDS = {"1": True, "0": False}  # a checkbox or a hidden field; anything else goes on to be refused
BOOLEAN_NAMES = ("minority", "confidential")


# -- performing a form's act ----------------------------------------------------------------
def act_body(page, name):
    """The service's JSON-shaped body from a form's fields; values the service
    checks are passed on as sent (a bad one gets the service's own refusal)."""
    post = page.request.POST
    body = {}
    for key, value in post.items():
        if key in ("csrf_token", "act") or key.startswith("for-"):
            continue
        if key in INT_FIELDS:
            body[key] = int(value) if value.strip().isdigit() else value
        elif key in BOOLEAN_NAMES:
            body[key] = BOOLEAN_FIELDS.get(value, value)
        elif value.strip() or key in ("text", "reason"):
            body[key] = value
    if name == "roll_call":
        body["present"] = post.getall("present")
        body["substitutes"] = [{"substitute": s, "for": post[f"for-{s}"]}
                               for s in page.seats["substitutes"] if post.get(f"for-{s}")]
    if name == "order":
        body = {"items": reordered(page.agenda(), body.get("item"), post.get("direction"))}
    return body


def reordered(items, number, direction):
    """The agenda's item numbers with ``number`` moved one step up or down."""
    order = [i["item"] for i in items]
    if number in order and direction in ("up", "down"):
        at = order.index(number)
        to = at - 1 if direction == "up" else at + 1
        if 0 <= to < len(order):
            order[at], order[to] = order[to], order[at]
    return order


def perform(page, back=None):
    """Perform the act a form sent; on success a redirect (the message
    flashed), on refusal None with ``page.refused`` set and the status given."""
    request = page.request
    name = request.POST.get("act", "")
    if name not in ACTS:
        raise HTTPNotFound()
    try:
        result = perform_act(request, page.context, name, act_body(page, name))
    except ServiceError as e:
        doom(request)
        message, errors = e.rendered(request)
        reasons = [v if isinstance(v, str) else " ".join(map(str, v)) for v in errors.values()]
        page.refused = {name: " ".join([message, *reasons])}
        request.response.status = status_of(e)[0]
        return None
    if name == "vote":
        text = _("Din röst är räknad: ${vote}.", mapping={"vote": translate(request, VOTE_TITLES[result["choice"]])})
    else:
        text = DONE.get(name, _("Åtgärden är utförd."))
    request.session.flash(translate(request, text))
    return HTTPSeeOther(back or request.resource_url(page.context))

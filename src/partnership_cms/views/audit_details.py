"""An audit entry's details as short readable lines for the auditor's view
and its CSV export: a transition from -> to with its comment, each edited
field old -> new, the name tried in a failed log-in, and so on.

The lines are plain text (the template escapes them): field values and
comments are whatever users typed.
"""
import json

from ..schema import get_schemas
from ..security.roles import GLOBAL_ROLES, LOCAL_ROLES
from ..workflow import get_workflows
from .base import _

MAX_VALUE = 160
VIA = {"browser": _("webbläsaren"), "api": _("API:et")}
# audit.verify names each finding by a code with its parameters; the page shows these.
PROBLEMS = {
    "entry_missing": _("post ${seq} saknas"),  # seq: the missing one (params["expected"])
    "entry_moved": _("posten har flyttats från en annan kedja"),
    "link_broken": _("posten pekar inte på föregående post"),
    "entry_altered": _("innehållet stämmer inte med kontrollsumman (ändrat)"),
    "head_mismatch": _("kedjans huvud stämmer inte med dess sista post"),
    "chain_deleted": _("kedjan har ett huvud men inga poster (raderad)"),
    "object_unaudited": _("dokumentet saknar poster i granskningsloggen"),
    "object_moved": _("dokumentet ligger på en adress som dess logg inte nämner "
                      "(flyttat utanför systemet; ett namnbyte loggas)"),
    "alias_unrecorded": _("loggen sägs fortsätta på ${path}, men inget namnbyte dit är loggat"),
    "object_changed":
        _("det lagrade dokumentet skiljer sig från vad dess senaste post registrerade "
          "(ändrat utanför systemet)"),
    "file_changed": _("den lagrade filen ${file} (${filename}) har inte längre den SHA-256 som "
                      "registrerades när den laddades upp (ändrad utanför systemet)"),
    "file_missing": _("den lagrade filen ${file} (${filename}) kan inte läsas"),
    "signed_content_changed":
        _("det signerade innehållet ger inte längre den SHA-256 ${sha256} som ${signer} signerade "
          "${signed_at} (ändrat utanför systemet)"),
    "seal_altered": _("förseglingen är ändrad"),
    "sealed_entries_changed": _("poster som förseglades då har ändrats eller raderats"),
    "checkpoint_signature":
        _("kontrollpunktens signatur stämmer inte (fel nyckel eller ändrad fil)"),
    "checkpoint_seal_missing": _("loggen saknar kontrollpunktens försegling"),
    "checkpoint_seal_differs":
        _("kontrollpunktens försegling skiljer sig från loggens (loggen skrevs om efteråt)"),
}
CHAINS = _("Kedjor som ändrats: ${chains}")


def problem_text(page, problem):
    """A verification problem (``Problem.as_dict()``) in the page's language."""
    code, params = problem.get("code"), problem.get("params") or {}
    if code not in PROBLEMS:  # a code newer than this view: the English text
        return problem.get("reason", "")
    mapping = {k: str(v) for k, v in params.items() if not isinstance(v, list | tuple | dict)}
    if "expected" in params:
        mapping["seq"] = str(params["expected"])
    text = page.t(_(PROBLEMS[code], mapping=mapping))
    if params.get("chains"):
        text += ". " + page.t(_(CHAINS, mapping={"chains": ", ".join(params["chains"])}))
    return text


def value_text(value):
    """A field value in one short line."""
    if value in (None, "", [], {}):
        return "–"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"


def _role(role):
    return GLOBAL_ROLES.get(role) or LOCAL_ROLES.get(role) or role


def _roles(roles):
    return ", ".join(_role(r) for r in roles or ()) or "–"


def _state_title(page, type_name, state):
    definition = get_workflows(page.request.registry).definitions.get(type_name)
    titles = definition.states[state].title if definition and state in definition.states else None
    return page.title_of(titles) if titles else state


def _field_title(page, type_name, name):
    schema = get_schemas(page.request.registry).get(type_name)
    spec = schema.by_name.get(name) if schema else None
    return page.title_of(spec.title) if spec else name


def _link_lines(t, action, d):
    """A rename (the object's own entry) or a link, which may follow another's rename."""
    if action == "renamed":
        lines = [t(_("Ny adress ${new} (tidigare ${old})",
                     mapping={"new": value_text(d.get("to")), "old": value_text(d.get("from"))}))]
        if d.get("reason"):
            lines.append(t(_("Anledning: ${reason}", mapping={"reason": value_text(d["reason"])})))
        return lines
    if isinstance(d.get("renamed"), dict):
        return [t(_("Ett kopplat dokument fick ny adress: ${old} → ${new}",
                    mapping={"old": value_text(d["renamed"].get("from")),
                             "new": value_text(d["renamed"].get("to"))}))]
    paths = ", ".join(map(str, d.values()))
    return [t(_("Kopplat till ${path}", mapping={"path": value_text(paths)}))]


def summarise(page, entry):
    """The readable lines for one entry."""
    t, d, type_name, action = page.t, entry.get("details") or {}, entry.get("type"), entry["action"]
    login = {"login": d.get("login", "")}
    if action == "transition":
        definition = get_workflows(page.request.registry).definitions.get(type_name)
        step = definition.transitions.get(d.get("action")) if definition else None
        lines = [t(_("${transition}: från ${from} till ${to}", mapping={
            "transition": page.title_of(step.title) if step else d.get("action", ""),
            "from": _state_title(page, type_name, d.get("from")),
            "to": _state_title(page, type_name, d.get("to"))}))]
        if d.get("roles"):
            lines.append(t(_("I rollen: ${roles}", mapping={"roles": _roles(d["roles"])})))
        if d.get("comment"):
            comment = value_text(d["comment"])
            lines.append(t(_("Kommentar: ${comment}", mapping={"comment": comment})))
        return lines
    if action == "edit":
        lines = [t(_("${field}: ${old} → ${new}", mapping={
            "field": _field_title(page, type_name, c.get("field")),
            "old": value_text(c.get("old")), "new": value_text(c.get("new"))}))
            for c in d.get("changes", ())]
        if d.get("reason"):
            lines.append(t(_("Anledning: ${reason}", mapping={"reason": value_text(d["reason"])})))
        return lines or [t(_("Inga fält ändrades."))]
    if action == "create":
        fields = d.get("fields") or {}
        lines = [t(_("Rubrik: ${title}", mapping={"title": value_text(fields.get("title"))}))]
        others = [_field_title(page, type_name, name) for name in fields if name != "title"]
        if others:
            lines.append(t(_("Fält: ${fields}", mapping={"fields": ", ".join(others)})))
        return lines
    if action in ("login", "logout", "login_failed"):
        via = t(VIA[d["via"]]) if d.get("via") in VIA else d.get("via", "")
        if action == "login_failed":
            return [t(_("Försök med användarnamnet ”${login}” via ${via}",
                        mapping={"login": value_text(d.get("login")), "via": via}))]
        return [t(_("Via ${via}", mapping={"via": via}))]
    if action == "group_changed":
        return [t(_("${login}: ${old} → ${new}",
                    mapping=dict(login, old=_roles(d.get("old")), new=_roles(d.get("new")))))]
    if action == "local_role_changed":
        mapping = dict(login, role=_role(d.get("role", "")))
        if d.get("granted"):
            return [t(_("${login} fick rollen ${role}", mapping=mapping))]
        return [t(_("${login} miste rollen ${role}", mapping=mapping))]
    if action in ("attachment_added", "attachment_removed"):
        mapping = {"filename": value_text(d.get("filename")), "sha256": d.get("sha256", "")}
        if action == "attachment_added":
            return [t(_("Filen ${filename} laddades upp (SHA-256 ${sha256})", mapping=mapping))]
        return [t(_("Filen ${filename} togs bort (SHA-256 ${sha256})", mapping=mapping))]
    if action in ("renamed", "link"):
        return _link_lines(t, action, d)
    if action == "user_created":
        return [t(_("Användaren ${login} (${name}) skapades",
                    mapping=dict(login, name=value_text(d.get("fullname")))))]
    if action == "user_changed" and d.get("changed") == "password":
        return [t(_("${login}: lösenordet byttes", mapping=login))]
    if action == "user_changed" and "active" in d:
        if d["active"]:
            return [t(_("${login}: kontot aktiverades", mapping=login))]
        return [t(_("${login}: kontot stängdes av", mapping=login))]
    if action == "user_changed" and "old" in d:
        mapping = dict(login, field=d.get("changed", ""), old=value_text(d["old"]),
                       new=value_text(d["new"]))
        return [t(_("${login}: ${field} ${old} → ${new}", mapping=mapping))]
    # Anything else (and anything newer): every detail as "key: value".
    return [f"{key}: {value_text(value)}" for key, value in d.items()]

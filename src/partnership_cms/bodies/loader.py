"""Read ``bodies/*.yaml``: the deciding bodies (KS, KF, the nämnder) as data.

A body file looks like ``bodies/ks.yaml``: its id and title, the number of
seats, the default members and substitutes (user logins), chair and vice
chair, the quorum rule, the series its § numbers run in, how many days
before a meeting its notice must go out, whether it decides without meetings,
the proposal state in which cases stand before it and the proposal
transition each meeting outcome performs. A broken file raises BodyError
naming the file, the key and the reason, which stops start-up.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import yaml

KEYS = {"id", "title", "seats", "members", "substitutes", "chair", "vice_chair", "quorum", "series",
        "notice", "decides_without_meetings", "agenda_state", "outcomes", "minority_referral"}
REQUIRED = {"id", "title", "seats", "members", "chair", "quorum", "notice"}
QUORUM_RULES = ("more_than_half",)
# What a meeting may decide on an item; each maps to a proposal transition in the body's file.
OUTCOMES = ("approve", "adopt", "reject", "refer_back", "table")


class BodyError(Exception):
    """A body definition is broken: the message names the file, the key and the reason."""

    def __init__(self, source, key, reason):
        self.source, self.key, self.reason = source, key, reason
        super().__init__(f"{source}: key '{key}': {reason}" if key else f"{source}: {reason}")


@dataclass(frozen=True)
class Body:
    id: str
    title: dict
    seats: int
    members: tuple
    substitutes: tuple
    chair: str
    vice_chair: str | None
    quorum_rule: str
    quorum_law: str
    series: str
    notice_days: int
    notice_law: str
    decides_without_meetings: bool
    agenda_state: str | None
    outcomes: dict = field(default_factory=dict)
    minority_referral: bool = False
    source: str = ""


def _logins(source, key, raw):
    if not isinstance(raw, list) or not all(isinstance(v, str) and v for v in raw):
        raise BodyError(source, key, "must be a list of user logins")
    if len(set(raw)) != len(raw):
        raise BodyError(source, key, "names a login twice")
    return tuple(raw)


def _law(source, key, raw):
    if not isinstance(raw, dict) or set(raw) - {"rule", "days", "law"}:
        raise BodyError(source, key, "must be a mapping with 'law' and 'rule' or 'days'")
    if not isinstance(raw.get("law"), str) or not raw["law"]:
        raise BodyError(source, key, "needs 'law': the rule it applies, e.g. 'KL 5:45'")
    return raw


def parse_body(source, raw):
    """One body file's mapping, checked, as a Body."""
    if not isinstance(raw, dict):
        raise BodyError(source, None, "expected a mapping with id, title, seats, members, ...")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise BodyError(source, unknown[0], f"unknown key; the known ones: {sorted(KEYS)}")
    missing = sorted(REQUIRED - set(raw))
    if missing:
        raise BodyError(source, missing[0], "missing")
    body_id = raw["id"]
    if not isinstance(body_id, str) or not body_id.isalnum() or not body_id.isupper():
        raise BodyError(source, "id", "must be upper-case letters and digits, e.g. KS")
    title = raw["title"]
    if not isinstance(title, dict) or not isinstance(title.get("sv"), str):
        raise BodyError(source, "title", "must be {sv: ..., en: ...}")
    seats = raw["seats"]
    if not isinstance(seats, int) or isinstance(seats, bool) or seats < 1:
        raise BodyError(source, "seats", "must be a positive whole number (the ledamöter)")
    members = _logins(source, "members", raw["members"])
    if len(members) > seats:
        raise BodyError(source, "members", f"{len(members)} members for {seats} seats")
    substitutes = _logins(source, "substitutes", raw.get("substitutes") or [])
    if set(substitutes) & set(members):
        raise BodyError(source, "substitutes", "a member cannot be a substitute of the same body")
    for key in ("chair", "vice_chair"):
        if raw.get(key) is not None and raw[key] not in members:
            raise BodyError(source, key, f"{raw[key]!r} is not one of the members")
    quorum = _law(source, "quorum", raw["quorum"])
    if quorum.get("rule") not in QUORUM_RULES:
        raise BodyError(source, "quorum", f"rule must be one of {list(QUORUM_RULES)}")
    notice = _law(source, "notice", raw["notice"])
    days = notice.get("days")
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise BodyError(source, "notice", "days must be a whole number of days (0 or more)")
    series = raw.get("series", "§" + body_id)
    if not isinstance(series, str) or not series:
        raise BodyError(source, "series", "must be a text naming the § series")
    outcomes = raw.get("outcomes") or {}
    if not isinstance(outcomes, dict) or set(outcomes) - set(OUTCOMES) or not all(
            isinstance(v, str) for v in outcomes.values()):
        raise BodyError(source, "outcomes", f"must map some of {list(OUTCOMES)} to a proposal transition")
    agenda_state = raw.get("agenda_state")
    if outcomes and not isinstance(agenda_state, str):
        raise BodyError(source, "agenda_state", "outcomes need the proposal state cases stand before the body in")
    for key in ("decides_without_meetings", "minority_referral"):
        if not isinstance(raw.get(key, False), bool):
            raise BodyError(source, key, "must be true or false")
    return Body(id=body_id, title=dict(title), seats=seats, members=members, substitutes=substitutes,
                chair=raw["chair"], vice_chair=raw.get("vice_chair"), quorum_rule=quorum["rule"],
                quorum_law=quorum["law"], series=series, notice_days=days, notice_law=notice["law"],
                decides_without_meetings=raw.get("decides_without_meetings", False),
                agenda_state=agenda_state, outcomes=dict(outcomes),
                minority_referral=raw.get("minority_referral", False), source=source)


def load_body_file(path):
    source = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as f:
            raw = yaml.safe_load(f)
    except yaml.YAMLError as e:
        raise BodyError(source, None, f"not valid YAML: {e}") from None
    return parse_body(source, raw)


def load_body_dir(directory):
    """``{body id: Body}`` of every ``*.yaml`` in a folder."""
    if not os.path.isdir(directory):
        raise BodyError(directory, None, "bodies folder not found")
    bodies = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith((".yaml", ".yml")):
            body = load_body_file(os.path.join(directory, name))
            if body.id in bodies:
                raise BodyError(body.source, "id", f"body {body.id} is declared twice")
            bodies[body.id] = body
    if not bodies:
        raise BodyError(directory, None, "no body files (*.yaml)")
    return bodies


def check_against_workflow(bodies, proposal_definition):
    """Each body's agenda state and outcome transitions exist in the proposal workflow."""
    for body in bodies.values():
        if body.agenda_state is None:
            continue
        if body.agenda_state not in proposal_definition.states:
            raise BodyError(body.source, "agenda_state", f"the proposal workflow has no state {body.agenda_state!r}")
        for outcome, transition_id in body.outcomes.items():
            t = proposal_definition.transitions.get(transition_id)
            if t is None or body.agenda_state not in t.from_states:
                raise BodyError(body.source, "outcomes",
                                f"{outcome}: {transition_id!r} is no proposal transition from {body.agenda_state!r}")

"""Demo data: the demo users and the seed case (Huddinge kommun's proposal to
approve a strategic partnership agreement with Södertörns högskola).

The case is parsed from the project's copy of the scanned officer's report,
not retyped, and advanced to KS through the real transitions by the demo
users, so its history and audit trail are real.
"""
import os

from pyramid.traversal import resource_path

from ..content.services import create_content, edit_content
from ..importer.officers_report import parse_officers_report
from ..importer.service import proposal_values, repaired_text
from ..scripting import act_as
from ..security.accounts import create_user
from ..workflow import get_workflows

SEED_FILE = os.path.join(os.path.dirname(__file__), "seed_huddinge_2021.txt")
DEMO_PASSWORD = "demo"
DEMO_USERS = {
    # login: (full name, groups)
    "officer": ("Hanna Handläggare", ["officer"]),
    "director": ("Camilla Broo", ["director"]),
    "clerk": ("Rita Registrator", ["clerk"]),
    "ks_chair": ("Karin Ordförande (KS)", ["ks_chair", "ks_member"]),
    "ks_member": ("Kalle Ledamot (KS)", ["ks_member"]),
    # Who sits on which body is in bodies/*.yaml (KS: 3 members, 2 substitutes; KF: 5 members).
    "ks_member2": ("Klara Ledamot (KS)", ["ks_member"]),
    "ks_sub1": ("Kim Ersättare (KS)", ["ks_member"]),
    "ks_sub2": ("Kerstin Ersättare (KS, KF)", ["ks_member", "kf_member"]),
    "kf_chair": ("Fredrik Ordförande (KF)", ["kf_chair", "kf_member"]),
    "kf_member": ("Frida Ledamot (KF)", ["kf_member"]),
    "kf_member2": ("Filip Ledamot (KF, BUN)", ["kf_member"]),
    "kf_member3": ("Fatima Ledamot (KF, BUN)", ["kf_member"]),
    "kf_member4": ("Folke Ledamot (KF, BUN)", ["kf_member"]),
    "auditor": ("Greta Granskare", ["auditor"]),
    "admin": ("Sam Systemförvaltare", ["admin"]),
}


def create_demo_users(request):
    act_as(request, None)
    for login, (fullname, groups) in DEMO_USERS.items():
        # The one exception to the password rules (security/passwords.py).
        create_user(request, login, DEMO_PASSWORD, fullname=fullname, groups=groups, allow_weak=True)


def seed_case_values(text, repair=repaired_text):
    """Proposal and agreement field values from the officer's report text.

    ``repair`` (text -> text) fixes the scanner's letters first: by default
    the importer's repair (None keeps the text as scanned).
    """
    if repair is not None:
        text = repair(text)
    report = parse_officers_report(text)
    agreement = report.agreement
    proposal = dict(proposal_values(report), unit="Kommunstyrelsens förvaltning",
                    case_officer=DEMO_USERS["officer"][0])
    attachment_1 = next((a["title"] for a in report.attachments if a["number"] == 1), report.title)
    agreement_values = {
        "title": attachment_1.removeprefix("Bilaga 1.").strip(),
        "parties": agreement.get("parties") or [],
        "purpose": agreement.get("purpose") or "",
        "focus_areas": agreement.get("focus_areas") or [],
        "organisation": agreement.get("organisation") or "",
        "rights": agreement.get("rights") or "",
        "other_terms": "\n".join(agreement.get("other_terms") or []),
    }
    termination = agreement.get("termination")
    if termination:
        agreement_values["termination_rule"] = termination["rule"]
        agreement_values["notice_months"] = termination["notice_months"]
    return proposal, agreement_values


def load_seed_case(request, repair=repaired_text):
    """Create the seed case and advance it to KS by the demo users."""
    with open(SEED_FILE, encoding="utf-8") as f:
        proposal_values, agreement_values = seed_case_values(f.read(), repair)
    users = request.root.principals.users
    workflows = get_workflows(request.registry)

    act_as(request, users["officer"])
    agreement = create_content(request, "Agreement", agreement_values)
    proposal = create_content(request, "Proposal", proposal_values)
    edit_content(request, proposal, {"agreement": resource_path(agreement)})
    edit_content(request, agreement, {"proposal": resource_path(proposal)})
    workflows.perform(request, proposal, "submit", {"comment": "Klart för granskning."})

    act_as(request, users["director"])
    workflows.perform(request, proposal, "approve", {"comment": "Tjänsteutlåtandet signerat."})
    act_as(request, None)
    return proposal, agreement


def load_demo(request, repair=repaired_text):
    create_demo_users(request)
    return load_seed_case(request, repair)

"""Fuzz tests (issue 10 item 10): no request, however odd, gets a server error.

Schemathesis reads ``/@openapi.json`` and sends generated requests to every
operation in process (WSGI), as every demo role with its bearer token and
anonymously, valid and invalid ones; hypothesis fills every HTML form (add,
edit, transition, log-in) with random values posted with a valid CSRF token.

Bounded so that ``make test`` stays quick: ``FUZZ_EXAMPLES`` (per operation,
role and kind) raises the count for a longer run; the examples are the same
on every run (derandomized) so a failure can be repeated.
"""
import datetime
import os
import time

import pytest
import schemathesis
import webtest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from conftest import browse
from partnership_cms.demo import DEMO_USERS
from partnership_cms.schema import get_schemas

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
FORM_EXAMPLES = int(os.environ.get("FUZZ_FORM_EXAMPLES", "25"))
ROLES = [None, *DEMO_USERS]


def bounded(examples):
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def existing_ids(app):
    """One real object per folder, so that generated requests also reach real cases."""
    client = webtest.TestApp(app)
    token = client.post_json("/@login", {"login": "admin", "password": "demo"}).json["token"]
    headers = {"Accept": "application/json", "Authorization": "Bearer " + token}
    ids = {}
    for folder in sorted(schema.container for schema in get_schemas(app.registry).values()):
        items = client.get(f"/{folder}", headers=headers).json["items"]
        ids[folder] = items[0]["@id"].rsplit("/", 1)[1] if items else "none"
    return ids


def fuzz_operation(operation, mode, path_parameters, headers):
    """Send ``EXAMPLES`` generated requests; return (how many, the server errors)."""
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
    sent, failures = [], []

    @bounded(EXAMPLES)
    @given(case=strategy)
    def send(case):
        response = case.call(headers=headers)
        sent.append(response.status_code)
        if response.status_code >= 500:
            failures.append((case.method, case.formatted_path, case.query, case.body,
                             response.status_code, response.content[:300]))
    try:
        send()
    except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
        assert mode is GenerationMode.NEGATIVE
    return len(sent), failures


def test_the_api_answers_no_request_with_a_server_error(app):
    schema = schemathesis.openapi.from_wsgi("/@openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    ids = existing_ids(app)
    client = webtest.TestApp(app)
    tokens = {user: client.post_json("/@login", {"login": user, "password": "demo"}).json["token"]
              for user in DEMO_USERS}
    failures, sent = [], 0
    started = time.monotonic()
    for role in ROLES:
        headers = {"Accept": "application/json"}
        if role:
            headers["Authorization"] = "Bearer " + tokens[role]
        for operation in operations:
            folder = operation.path.strip("/").split("/")[0]
            # A real object where the folder has one (an id of a body, say, is generated).
            fixed = {"id": ids[folder]} if "{id}" in operation.path and folder in ids else None
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                count, errors = fuzz_operation(operation, mode, fixed, headers)
                sent += count
                failures.extend((role, *error) for error in errors)
    elapsed = time.monotonic() - started
    print(f"\nschemathesis: {sent} requests to {len(operations)} operations as {len(ROLES)} roles "
          f"in {elapsed:.1f} s")
    assert not failures, failures[:5]


# -- the HTML forms --------------------------------------------------------------------------
TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "2026-01-01", "9999-12-31", "0", "-1", "99999999999999999999", "true",
                     "/proposals/ks-2026-1", "x" * 400, "<script>alert(1)</script>", "\r\n", "ä§€"]),
)


def form_cases(app, seed_url):
    """(user, url of the form page, form id) for every form: add forms of each type,
    edit, every transition form offered to someone on the seed case, and log-in."""
    cases = [("clerk", f"/{folder}/add", "add-form")
             for folder in ("proposals", "decisions", "agreements", "amendments")]
    api = webtest.TestApp(app)
    token = api.post_json("/@login", {"login": "officer", "password": "demo"}).json["token"]
    draft = api.post_json("/proposals", {"title": "Fuzz"}, headers={
        "Accept": "application/json", "Authorization": "Bearer " + token}).json["@id"]
    cases.append(("officer", draft.replace("http://localhost", "") + "/edit", "edit-form"))
    for user in ("ks_chair", "kf_chair", "clerk", "director"):
        page = browse(app, user).get(seed_url, headers={"Accept": "text/html"}, status="*")
        for link in page.html.select('a[href*="transition?name="]'):
            cases.append((user, link["href"].replace("http://localhost", ""), "transition-form"))
    cases.append((None, "/login", None))
    return cases


def fuzz_form(browser, user, url, form):
    """Post ``FORM_EXAMPLES`` random fillings of ``form``; return how many were sent.
    The markers, the CSRF token and the hidden fields keep their values."""
    names = [name for name, field in form.field_order
             if name not in ("csrf_token", "__formid__", "_charset_", "__start__", "__end__", None)
             and getattr(field, "type", None) not in ("submit", "hidden")]
    sent = []

    @bounded(FORM_EXAMPLES)
    @given(values=st.lists(TEXT, min_size=len(names), max_size=len(names)))
    def submit(values):
        filled = iter(values)
        pairs = [(name, next(filled) if name in names else field.value or "")
                 for name, field in form.field_order if name is not None]
        res = browser.post(form.action, pairs, headers={"Accept": "text/html"}, status="*")
        sent.append(res.status_int)
        assert res.status_int < 500, (user, url, pairs, res.text[:500])
    submit()
    return len(sent)


def test_every_html_form_answers_random_values_without_a_server_error(app):
    seed_url = f"/proposals/ks-{datetime.date.today().year}-1"
    started, sent = time.monotonic(), 0
    cases = form_cases(app, seed_url)
    assert len(cases) >= 7
    for user, url, formid in cases:
        browser = browse(app, user) if user else webtest.TestApp(app)
        page = browser.get(url, headers={"Accept": "text/html"}, status="*")
        if page.status_int != 200:  # an earlier form's transition moved the case on
            assert page.status_int in (403, 404, 409), (url, page.status)
            continue
        form = page.forms[formid] if formid else next(
            f for f in page.forms.values() if f.action.endswith("/login"))
        sent += fuzz_form(browser, user, url, form)
    print(f"\nforms: {sent} submissions to {len(cases)} forms in {time.monotonic() - started:.1f} s")

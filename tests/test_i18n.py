"""Translations: the catalogs in src/partnership_cms/locale/ are current,
complete in English, compiled, and used by the pages.

The msgids are the Swedish texts; ``make i18n`` extracts them (lingua's
pot-create), merges them into sv/en .po files and compiles the .mo files
(Babel). Swedish .po entries stay empty (identity), English ones must be
translated.
"""
import gettext
import io
import os
import re
import subprocess
import sys

import pytest
import webtest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from pyramid.i18n import TranslationString, make_localizer
from pyramid.interfaces import ITranslationDirectories

from conftest import PROJECT, browse

LOCALE = os.path.join(PROJECT, "src", "partnership_cms", "locale")
DOMAIN = "partnership_cms"
POT = os.path.join(LOCALE, f"{DOMAIN}.pot")
LANGS = ("sv", "en")

# English msgstrs that are the same as the Swedish msgid, on purpose. (A msgid with no
# words outside its ${placeholders}, like "${field}: ${old} → ${new}", needs no entry.)
IDENTICAL_ON_PURPOSE = {
    "Administration", "Start", "Status", "Version", "JSON", "CSV (Excel)", "Via ${via}", "SHA-256",
}


def po_path(lang, ext="po"):
    return os.path.join(LOCALE, lang, "LC_MESSAGES", f"{DOMAIN}.{ext}")


def read_catalog(path):
    with open(path, "rb") as f:
        return read_po(f)


def messages(catalog):
    return {m.id: m for m in catalog if m.id}


def placeholders(text):
    return sorted(re.findall(r"\$\{(\w+)\}", text))


def test_the_pot_is_current(tmp_path):
    """Extracting again finds exactly the msgids of the committed .pot: run `make i18n` if not."""
    pot_create = os.path.join(os.path.dirname(sys.executable), "pot-create")
    if not os.path.exists(pot_create):
        pytest.fail("lingua's pot-create is missing: `pip install -e '.[test]'` (or `make i18n`)")
    # The same options as the Makefile's i18n target.
    result = subprocess.run(
        [pot_create, "--domain", DOMAIN, "--sort-output", "--no-linenumbers",
         "--keyword", "translate", "-o", str(tmp_path / "fresh.pot"), "partnership_cms"],
        cwd=os.path.join(PROJECT, "src"), capture_output=True,
    )
    assert result.returncode == 0, result.stderr.decode()
    fresh = set(messages(read_catalog(tmp_path / "fresh.pot")))
    committed = set(messages(read_catalog(POT)))
    assert fresh == committed, (
        "The .pot is out of date: run `make i18n` and translate the new English msgstrs.\n"
        f"new in the sources: {sorted(fresh - committed)}\n"
        f"gone from the sources: {sorted(committed - fresh)}"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_po_files_hold_exactly_the_pot_msgids(lang):
    pot = set(messages(read_catalog(POT)))
    po = messages(read_catalog(po_path(lang)))
    assert set(po) == pot, f"{lang}: run `make i18n` (missing {sorted(pot - set(po))}, " \
                           f"stale {sorted(set(po) - pot)})"
    fuzzy = [m.id for m in po.values() if m.fuzzy]
    assert not fuzzy, f"{lang}: fuzzy entries are not compiled, fix them: {fuzzy}"


def test_every_msgid_has_an_english_translation():
    en = messages(read_catalog(po_path("en")))
    untranslated = [msgid for msgid, m in en.items() if not m.string]
    assert not untranslated, f"untranslated in en/LC_MESSAGES/{DOMAIN}.po: {untranslated}"
    copied = [msgid for msgid, m in en.items()
              if m.string == msgid and msgid not in IDENTICAL_ON_PURPOSE
              and re.search(r"[^\W\d_]", re.sub(r"\$\{\w+\}", "", msgid))]
    assert not copied, f"English msgstr copied from the Swedish msgid (translate, or add to " \
                       f"IDENTICAL_ON_PURPOSE if really the same): {copied}"
    wrong = {msgid: m.string for msgid, m in en.items()
             if placeholders(m.string) != placeholders(msgid)}
    assert not wrong, f"English msgstrs whose ${{...}} placeholders differ from the msgid: {wrong}"


def test_swedish_is_the_identity():
    """The msgids are Swedish: the sv catalog translates nothing into other words."""
    sv = messages(read_catalog(po_path("sv")))
    changed = {msgid: m.string for msgid, m in sv.items() if m.string and m.string != msgid}
    assert not changed, f"sv msgstr must be empty or the msgid: {changed}"


@pytest.mark.parametrize("lang", LANGS)
def test_mo_files_match_the_po_files(lang):
    """The committed .mo is what compiling the .po gives now: run `make i18n` if not."""
    buf = io.BytesIO()
    write_mo(buf, read_catalog(po_path(lang)))
    buf.seek(0)
    expected = gettext.GNUTranslations(buf)._catalog
    with open(po_path(lang, "mo"), "rb") as f:
        committed = gettext.GNUTranslations(f)._catalog
    header = ""  # the header's dates may differ between tools; compare the messages
    assert {k: v for k, v in committed.items() if k != header} == \
        {k: v for k, v in expected.items() if k != header}, f"{lang}: recompile with `make i18n`"


def test_pages_are_swedish_by_default_and_english_with_the_cookie(app):
    browser = webtest.TestApp(app)
    sv = browser.get("/login")
    assert 'lang="sv"' in sv.text
    assert "<h1>Logga in</h1>" in sv.text and "Användarnamn" in sv.text
    browser.set_cookie("_LOCALE_", "en")
    en = browser.get("/login")
    assert 'lang="en"' in en.text
    assert "<h1>Log in</h1>" in en.text
    assert "Username" in en.text and "Password" in en.text and "Skip to content" in en.text
    assert "Logga in" not in en.text and "Användarnamn" not in en.text
    # Python-side messages too (views/base.py's navigation, views/errors.py's pages).
    res = browser.get("/finns-inte", status=404)
    assert "Page not found" in res.text and "Cases" in res.text


def test_colander_and_deform_messages_are_swedish_by_default(app):
    """colander's and deform's own catalogs are registered (schema/__init__.py): Swedish by
    default, their English msgids under the English locale."""
    dirs = app.registry.queryUtility(ITranslationDirectories)
    sv, en = make_localizer("sv", dirs), make_localizer("en", dirs)
    required = TranslationString("Required", domain="colander")
    problem = TranslationString("There was a problem with your submission", domain="deform")
    assert sv.translate(required) == "Krävd"
    assert sv.translate(problem) == "Det uppstod problem med ditt formulär"
    assert en.translate(required) == "Required"
    assert en.translate(problem) == "There was a problem with your submission"
    assert app.registry.settings["pyramid.default_locale_name"] == "sv"




def test_deform_form_errors_are_swedish_and_english_with_the_cookie(app):
    browser = browse(app, "officer")
    res = browser.get("/proposals/add").forms["add-form"].submit("save", status=422)
    assert "Det uppstod problem med ditt formulär" in res.text  # deform's sv catalog
    assert "Krävd" in res.text  # colander's sv catalog: the required title is missing
    browser.set_cookie("_LOCALE_", "en")
    res = browser.get("/proposals/add").forms["add-form"].submit("save", status=422)
    assert "There was a problem with your submission" in res.text
    assert "Required" in res.text and "Krävd" not in res.text

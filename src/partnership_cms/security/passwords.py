"""The rules a new password must meet (OWASP ASVS 4.0.3, 2.1.1, 2.1.2, 2.1.7).

At least 12 characters and at most 128 (after Unicode NFC, so "ö" counts
once however it was typed); not a common password. The list of common
passwords ships with the package (``common_passwords.txt``): a small list,
since a longer one mostly adds entries shorter than 12 characters that the
length rule refuses anyway, and no maintained PyPI package checks against a
list offline. A password is common if, case-folded, it is on the list, or is
a listed word or the user's own login with digits and signs added at the
start or end ("Sommar2024!!", "officer12345"), or one character repeated.

The rules apply to every password a person sets (accounts.create_user and
set_password, from the admin pages and the command line). The demo users'
"demo" is the one exception, made explicitly by the demo loader with
``allow_weak=True``; a production database is created without them.
"""
from __future__ import annotations

import functools
import os
import unicodedata

MIN_LENGTH = 12
MAX_LENGTH = 128
LIST_FILE = os.path.join(os.path.dirname(__file__), "common_passwords.txt")
_PADDING = "0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "


@functools.cache
def common_passwords():
    with open(LIST_FILE, encoding="utf-8") as f:
        return frozenset(line.strip().casefold() for line in f
                         if line.strip() and not line.startswith("#"))


def problem(password, login=""):
    """Why ``password`` may not be used (Swedish), or None if it may."""
    password = unicodedata.normalize("NFC", password or "")
    if len(password) < MIN_LENGTH:
        return f"Lösenordet är för kort: minst {MIN_LENGTH} tecken."
    if len(password) > MAX_LENGTH:
        return f"Lösenordet är för långt: högst {MAX_LENGTH} tecken."
    folded = password.casefold()
    core = folded.strip(_PADDING)
    if (folded in common_passwords() or core in common_passwords()
            or (login and core == login.casefold()) or len(set(folded)) == 1):
        return ("Lösenordet är för vanligt eller för lätt att gissa. Välj ett annat, "
                "gärna flera ord i följd.")
    return None

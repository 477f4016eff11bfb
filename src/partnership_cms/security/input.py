"""Guarding request input: bad input is a clear 4xx, never a 500, and writes nothing.

Every request passes the same checks before its view runs (a ``ContextFound``
subscriber, so the refusal goes through the usual error views: JSON
``{"type", "message"}`` for the API, the Swedish error page for browsers):

- a body larger than ``partnership_cms.max_body_bytes`` is refused with 413
  before anything reads it (see ``retry_attempts`` for why pyramid_retry is
  told first);
- the query string and a form body must decode as UTF-8 and parse (a
  ``multipart/form-data`` body without a boundary is a 400, not a crash);
- no text may hold a NUL or a lone surrogate: neither can be stored and
  shown again (a surrogate cannot even be encoded as UTF-8 on the way out);
- deform's ``__start__``/``__end__`` markers in a form post must pair up.

JSON bodies are read by ``read_json``, which every API view that takes JSON
uses: depth-limited, and the same text rules.

The locale negotiator lives here too because it reads the request's input:
Pyramid's default one reads ``request.params`` and so parses the body, which
made even the error page for a broken body fail again.
"""
from __future__ import annotations

import io
import json
import re

from pyramid.events import ContextFound
from pyramid.httpexceptions import HTTPBadRequest, HTTPRequestEntityTooLarge

IN_MEMORY_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32  # the deepest real payload (a list of mappings in a field) is 4
TOO_LARGE_KEY = "partnership_cms.body_too_large"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
LOCALE_NAME = "_LOCALE_"

# NUL and the surrogate code points (alone they are not characters at all).
BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")
MALFORMED_FORM = "Formuläret är trasigt: början och slut på en lista eller grupp stämmer inte överens."
BAD_TEXT = "innehåller ett otillåtet tecken (NUL eller ett ensamt surrogattecken)"


def max_body_bytes(registry):
    return registry.app_settings.max_body_bytes


# -- body size -------------------------------------------------------------------------
def retry_attempts(request):
    """pyramid_retry's ``activate_hook``: it runs before pyramid_retry copies the
    body to make it seekable, i.e. before anything reads it. A body declared too
    large is not copied (one attempt, and ``refuse_bad_input`` answers 413); a
    chunked body without a length is read here up to the limit, never further."""
    environ = request.environ
    limit = max_body_bytes(request.registry)
    # webob copies a body over 10 KB to a temporary file that nobody closes
    # (the garbage collector does, with a ResourceWarning); the bodies of this
    # API and its forms are small, so keep up to 1 MB of one in memory. A file
    # upload (multipart) is kept whole, up to the body limit above: its copy
    # must outlive a retried attempt, so no attempt may close it.
    multipart = (request.content_type or "") == "multipart/form-data"
    request.request_body_tempfile_limit = limit if multipart else IN_MEMORY_BODY_BYTES
    length = request.content_length
    if length is not None:
        if length > limit:
            environ[TOO_LARGE_KEY] = True
            return 1
        return None
    if request.is_body_readable:  # chunked: no length given
        body = environ["wsgi.input"].read(limit + 1)
        if len(body) > limit:
            environ[TOO_LARGE_KEY] = True
            return 1
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
    return None


def _check_size(request):
    length = request.content_length or 0
    if request.environ.get(TOO_LARGE_KEY) or length > max_body_bytes(request.registry):
        raise HTTPRequestEntityTooLarge("Innehållet är för stort.")


# -- text ----------------------------------------------------------------------------------
def check_text(value, where):
    """400 if a text holds NUL or a lone surrogate; ``where`` names it in the message."""
    if isinstance(value, str) and BAD_CHARACTER.search(value):
        raise HTTPBadRequest(f"{where} {BAD_TEXT}.")


def _check_pairs(pairs, source):
    for name, value in pairs:
        check_text(name, f"Ett fältnamn i {source}")
        check_text(value, f"Fältet {name!r} i {source}")


def _check_markers(pairs):
    """deform's sequences and mappings open with ``__start__`` and close with ``__end__``."""
    depth = 0
    for name, _value in pairs:
        if name == "__start__":
            depth += 1
        elif name == "__end__":
            depth -= 1
            if depth < 0:
                break
    if depth != 0:
        raise HTTPBadRequest(MALFORMED_FORM)


def _decoded(read, source):
    try:
        return list(read().items())
    except UnicodeDecodeError:
        raise HTTPBadRequest(f"{source} är inte giltig UTF-8.") from None


def _form_body(request):
    """The form fields of a POST, or a 400 if the body cannot be parsed."""
    if request.content_type == "multipart/form-data" and "boundary=" not in request.headers.get(
            "Content-Type", "").lower():
        raise HTTPBadRequest("Formuläret saknar gräns (boundary) mellan fälten.")
    try:
        return _decoded(lambda: request.POST, "Formuläret")
    except ValueError:  # webob's multipart parser: a broken boundary or part
        raise HTTPBadRequest("Formuläret kunde inte läsas.") from None


def refuse_bad_input(event):
    """Before any view: the size, the query string and a form body (see the module doc)."""
    request = event.request
    _check_size(request)
    _check_pairs(_decoded(lambda: request.GET, "Adressens parametrar"), "adressen")
    if request.method in ("POST", "PUT", "PATCH") and request.content_type in FORM_TYPES:
        pairs = _form_body(request)
        _check_pairs([(k, v) for k, v in pairs if isinstance(v, str)], "formuläret")
        _check_markers(pairs)


# -- numbers in the address ---------------------------------------------------------------------
def int_param(params, name, default, *, minimum, maximum=None):
    """A whole number from the query string within its range, or a 400 that gives the range."""
    text = params.get(name)
    if text is None or text == "":
        return default
    expected = (f"ett heltal från {minimum} till {maximum}" if maximum is not None
                else f"ett heltal från {minimum} och uppåt")
    # ASCII digits only: int() also reads other scripts' digits and 4,300 of them at most.
    if not re.fullmatch(r"-?[0-9]{1,18}", text.strip()):
        raise HTTPBadRequest(f"Parametern {name} ska vara {expected}.")
    value = int(text)
    if value < minimum or (maximum is not None and value > maximum):
        raise HTTPBadRequest(f"Parametern {name} ska vara {expected}.")
    return value


# -- JSON -------------------------------------------------------------------------------------
def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def read_json(request):
    """The request's JSON body as an object, or a 400 that says what is wrong.

    Nesting is limited, NaN/Infinity are refused, and no text (key or value)
    may hold NUL or a lone surrogate (JSON's ``"\\ud800"`` escape makes one).
    """
    try:
        body = json.loads(request.body or b"{}", parse_constant=_no_constant)
    except RecursionError:
        raise HTTPBadRequest(f"JSON-innehållet är nästlat för djupt (högst {MAX_JSON_DEPTH} nivåer).") from None
    except ValueError:  # also invalid UTF-8 and numbers of more than 4300 digits
        raise HTTPBadRequest("Innehållet är inte giltig JSON.") from None
    if not isinstance(body, dict):
        raise HTTPBadRequest("Innehållet ska vara ett JSON-objekt.")
    _check_json(body)
    return body


def _check_json(body):
    # Iterative, so that the check itself cannot run out of stack.
    todo = [(body, 1, "")]
    while todo:
        value, depth, path = todo.pop()
        if depth > MAX_JSON_DEPTH:
            raise HTTPBadRequest(f"JSON-innehållet är nästlat för djupt (högst {MAX_JSON_DEPTH} nivåer).")
        if isinstance(value, dict):
            for key, item in value.items():
                check_text(key, f"Ett namn i JSON-innehållet ({path or 'överst'})")
                todo.append((item, depth + 1, f"{path}.{key}" if path else key))
        elif isinstance(value, list):
            todo.extend((item, depth + 1, f"{path}.{i}") for i, item in enumerate(value))
        else:
            check_text(value, f"Fältet {path!r}")


# -- locale -------------------------------------------------------------------------------------
def locale_negotiator(request):
    """Pyramid's default negotiator without ``request.params``: the language
    comes from the address (``?_LOCALE_=en``) or the cookie, never from the
    body, so an unreadable body cannot break the page that says so."""
    try:
        name = request.GET.get(LOCALE_NAME)
    except UnicodeDecodeError:
        name = None
    return name or request.cookies.get(LOCALE_NAME)


def includeme(config):
    # pyramid_retry reads its hook when the configuration is committed, so
    # setting it here still reaches it (an .ini file may name another).
    config.registry.settings.setdefault("retry.activate_hook", "partnership_cms.security.input.retry_attempts")
    config.set_locale_negotiator(locale_negotiator)
    config.add_subscriber(refuse_bad_input, ContextFound)

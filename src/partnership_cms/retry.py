"""What happens between two attempts of a request that lost a ZODB conflict.

pyramid_retry re-runs the whole request with the same WSGI environ. Two
things must happen in between: anything this app cached in the environ for
the failed attempt (the identity: a persistent User from the closed
connection) is dropped, and the attempt waits a short, random, growing
moment, so that writers that collided on the same counter do not collide
again at once (pyramid_retry itself retries immediately).
"""
import logging
import random
import time

from pyramid_retry import IBeforeRetry

from .security.policy import IDENTITY_KEY

BACKOFF_SECONDS = 0.02  # the first wait is up to this; it doubles per attempt
log = logging.getLogger(__name__)


def before_retry(event):
    event.environ.pop(IDENTITY_KEY, None)
    attempt = event.environ.get("retry.attempt", 0) + 1
    # How often requests collide tells whether more processes still help (docs/operations.md).
    log.info("conflict: retrying %s %s (attempt %d)", event.environ.get("REQUEST_METHOD"),
             event.environ.get("PATH_INFO"), attempt + 1)
    time.sleep(random.uniform(0, BACKOFF_SECONDS * 2 ** attempt))


def includeme(config):
    config.add_subscriber(before_retry, IBeforeRetry)

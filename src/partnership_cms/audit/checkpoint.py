"""A seal exported as a signed checkpoint, kept outside the database.

The hashes and seals use no key: someone who can write ``Data.fs`` can alter
entries and recompute every hash, head and seal, and verification inside the
database passes. A checkpoint is the last seal's ``seq``, ``time``,
``entries``, ``digest`` and ``hash``, signed with HMAC-SHA256 under a key that
is not stored in the database (``PCMS_CHECKPOINT_KEY``). Printed, mailed to
the archive or filed in the registry, it lets ``audit-verify --checkpoint``
check that the trail still holds exactly that seal: a rewrite of anything
sealed changes the seal's digest, so its hash, so the chain of seals after it.

HMAC (stdlib ``hmac``) rather than a public-key signature: no new dependency,
and whoever checks is the kommun itself, holding the key. Keep the key off the
database server (give it to the command in the environment when it runs).
"""
import hashlib
import hmac
import json

from .verify import Problem

FIELDS = ("seq", "time", "entries", "digest", "hash")
ALGORITHM = "hmac-sha256"
KEY_VARIABLE = "PCMS_CHECKPOINT_KEY"


class CheckpointError(ValueError):
    """No seal to export, no key, or a checkpoint file that cannot be read."""


def _signature(fields, key):
    message = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def make_checkpoint(log, key):
    """The signed checkpoint of the last seal (a dict, written as JSON)."""
    if not key:
        raise CheckpointError(f"Set {KEY_VARIABLE} to the key that signs checkpoints.")
    if not log.seals:
        raise CheckpointError("The trail has no seal yet: run partnership-cms audit-seal first.")
    seal = log.seals[-1]
    fields = {name: seal[name] for name in FIELDS}
    return {"checkpoint": fields, "algorithm": ALGORITHM, "signature": _signature(fields, key)}


def read_checkpoint(text):
    try:
        data = json.loads(text)
        fields = {name: data["checkpoint"][name] for name in FIELDS}
        return fields, data["algorithm"], data["signature"]
    except (ValueError, KeyError, TypeError) as e:
        raise CheckpointError(f"Not a checkpoint file ({e}).") from None


def check_checkpoint(log, text, key):
    """The problems a checkpoint shows in the trail (an empty list: it holds the seal)."""
    if not key:
        raise CheckpointError(f"Set {KEY_VARIABLE} to the key that signed the checkpoint.")
    fields, algorithm, signature = read_checkpoint(text)
    where = ("@checkpoint", fields["seq"])
    if algorithm != ALGORITHM or not hmac.compare_digest(_signature(fields, key), str(signature)):
        return [Problem(fields["time"], *where, "checkpoint_signature", at=fields["time"])]
    seals = log.seals
    seq = fields["seq"]
    if not isinstance(seq, int) or not 1 <= seq <= len(seals):
        return [Problem(fields["time"], *where, "checkpoint_seal_missing", at=fields["time"])]
    seal = seals[seq - 1]
    if {name: seal.get(name) for name in FIELDS} != fields:
        return [Problem(fields["time"], *where, "checkpoint_seal_differs", at=fields["time"])]
    return []

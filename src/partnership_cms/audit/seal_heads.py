"""The chains' heads a seal records, so that a seal mismatch can name the
chains whose entries changed.

A seal's digest says *that* something sealed changed, not where. So each seal
also records the head ``(seq, hash)`` of every chain written since the seal
before it (the first seal that records heads takes every chain), in a record
of its own (``AuditLog.seal_heads``: seal seq -> ``SealHeads``), and puts a
hash of them into the seal (``heads``), which the seal's own hash covers.
Verification replays them in seal order and compares each chain with what the
trail holds at the seal's time (``verify.sealed_state``).

Kept out of the seal dict itself: the seals are one list that every append
reads, and the heads of a busy day are thousands of chains. Seals made before
this existed have no ``heads``; verification then names the chains of the
other problems it found before the seal's time.
"""
import hashlib
import json

from BTrees.OOBTree import OOBTree
from persistent import Persistent


class SealHeads(Persistent):
    """The heads one seal recorded: chain -> (seq, hash). Never changed."""

    def __init__(self, heads):
        self.heads = heads


def heads_digest(heads):
    text = json.dumps(sorted((c, list(h)) for c, h in heads.items()), separators=(",", ":"),
                      ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record(log, seal_seq, last_seal):
    """Store the heads for seal ``seal_seq``; returns the fields to add to the seal."""
    store = getattr(log, "seal_heads", None)
    if store is None:
        store = log.seal_heads = OOBTree()  # evolve-free: made by the first seal that needs it
    if last_seal is not None and len(store):
        # Every chain written since the last seal (its time included: harmless).
        chains = {chain for _time, chain, _seq in log.time_keys(since=last_seal["time"])}
    else:
        chains = set(log.heads.keys())
    heads = {chain: tuple(log.heads[chain]) for chain in chains if chain in log.heads}
    store[seal_seq] = SealHeads(heads)
    return {"heads": heads_digest(heads), "heads_count": len(heads)}


def recorded_heads(log, seal):
    """The heads ``seal`` recorded (chain -> (seq, hash)); None if it records none.

    Raises ``ValueError`` when the record does not match the seal's ``heads``.
    """
    if "heads" not in seal:
        return None
    store = getattr(log, "seal_heads", None)
    stored = store.get(seal.get("seq")) if store is not None else None
    heads = {c: tuple(h) for c, h in stored.heads.items()} if stored is not None else {}
    if heads_digest(heads) != seal["heads"]:
        raise ValueError("the seal's recorded heads were altered")
    return heads

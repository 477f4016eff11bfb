"""The digital anslagstavla (KL 8:12): posting a justerat protocol, its notice,
the decisions' legal force after the appeal period (KL 13:5), and the
expediering of each paragraph's extract to its recipients.

The posting and the legal force are the protocol's workflow transitions
(workflows/protocol.yaml): their actions here carry them on to the decisions
of the meeting through the engine, so each decision has its own history and
audit entry. ``board`` reads what the public may see; ``finalize`` is what
the ``partnership-cms finalize`` command runs; ``dispatch`` records the
expediering.
"""
from ..events import StateChanged
from .posting import finalize_protocol_decisions, post_on_justering, post_protocol_decisions, record_keeping_place


def includeme(config):
    config.add_workflow_action("post_protocol_decisions", post_protocol_decisions)
    config.add_workflow_action("finalize_protocol_decisions", finalize_protocol_decisions)
    config.add_workflow_action("record_keeping_place", record_keeping_place)
    # A protocol justerat is posted at once where the kommun says so (partnership_cms.post_on_justering).
    config.add_subscriber(post_on_justering, StateChanged)

"""Protocols (protokoll): the minutes of a closed meeting, justerade in the system.

The Protocol type is data (``schemas/protocol.yaml``, ``workflows/protocol.yaml``);
its workflow steps are built in (``workflow/protocol_steps.py``), the signed
content's canonical form and its check in ``audit/signed.py``; this package
makes a protocol from its meeting, corrects it, signs it (``services.py``) and
renders it as HTML (``render.py``).
"""
from .render import protocol_html  # noqa: F401
from .services import (  # noqa: F401
    PARAGRAPH_FIELDS,
    PROTOCOL_TYPE,
    SIGNED_FIELDS,
    canonical_content,
    content_sha256,
    correct,
    create_protocol,
    paragraph_content,
    protocol_of,
    sign,
    status,
)

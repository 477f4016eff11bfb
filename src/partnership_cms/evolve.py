"""Data migrations: numbered steps recorded in the database.

``partnership-cms evolve <ini>`` applies the steps a database has not had;
``init`` creates an empty database at the newest step. At start-up the app
refuses to serve a database older than the code (``check_version``), with a
message that names the command to run. Add a step by appending to STEPS:
never renumber or change a step that has shipped.
"""
from __future__ import annotations

from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from hypatia.keyword import KeywordIndex
from pyramid.request import Request
from pyramid.traversal import find_resource, resource_path

from .audit import AuditLog
from .audit.log import TIME_SHARDS, AuditEntry, StoredEntry, entry_data, index_action, index_value, shard_of
from .catalog import (
    VALUE_INDEXES,
    SiteCatalog,
    indexable,
    indexed_value,
    pack_values,
    text_digest,
    text_index,
    unpack_values,
)
from .content import APP_KEY, DatabaseNotReady, app_root  # noqa: F401  (DatabaseNotReady: raised here too)
from .content.models import ContentFolder, Frozen, Root
from .content.numbering import paragraph_name, paragraph_series, raise_number
from .content.rename import references_to, rename_content
from .schema import get_schemas
from .security.policy import IDENTITY_KEY
from .security.users import Principals


def step_1_create_structure(root, registry):
    """Principals, audit log, catalog, counters and one folder per content type."""
    root.principals = Principals()
    root.audit_log = AuditLog()
    root.catalog = SiteCatalog()
    root.counters = OOBTree()
    for schema in get_schemas(registry).values():
        root[schema.container] = ContentFolder(schema.type_name, schema.title["sv"])


def step_2_add_missing_folders(root, registry):
    """A content type added to ``schemas/`` after the database was made gets its folder."""
    for schema in get_schemas(registry).values():
        if schema.container not in root:
            root[schema.container] = ContentFolder(schema.type_name, schema.title["sv"])


def step_3_index_local_roles(root, registry):
    """The worklist asks the catalog who owns what: add that index and fill it."""
    indexes = root.catalog.indexes
    if "local_roles" not in indexes:
        indexes["local_roles"] = KeywordIndex("local_roles")
    _reindex_all(root, registry, "local_roles")


def step_4_audit_log_layout(root, registry):
    """The audit trail's new layout (docs/audit.md): each entry its own record,
    the time index split into separate trees, one actor tree per actor.

    Every entry dict is wrapped in an ``AuditEntry``; the keys of the old
    single ``by_time`` and ``by_actor`` trees are moved, as they are, into the
    time shards and the actor trees (not rebuilt from the entries, so that a
    trail tampered with before the migration still fails verification the
    same way). Hashes, heads and seals are unchanged. Idempotent.
    """
    log = root.audit_log
    log._p_activate()
    for key, stored in list(log.entries.items()):
        if isinstance(stored, dict):  # (a StoredEntry of step 11 is left alone: run again, still idempotent)
            log.entries[key] = AuditEntry(stored)
    state = log.__dict__
    if "time_shards" not in state:
        log.time_shards = tuple(OOBTree() for _ in range(TIME_SHARDS))
        old = state.get("by_time")
        keys = old.keys() if old is not None else (
            (e.data["time"], chain, seq) for (chain, seq), e in log.entries.items())
        for time, chain, seq in keys:
            log.time_shards[shard_of(chain)][(time, chain, seq)] = None
    if "actors" not in state:
        log.actors = actors = OOBTree()
        old = state.get("by_actor")
        keys = old.keys() if old is not None else (
            (e.data.get("actor") or "", e.data["time"], chain, seq)
            for (chain, seq), e in log.entries.items())
        for actor, time, chain, seq in keys:
            if actor not in actors:
                actors[actor] = OOBTree()
            actors[actor][(time, chain, seq)] = None
    for name in ("by_time", "by_actor"):
        if name in state:
            delattr(log, name)


def _reindex_all(root, registry, index_name):
    """Reindex one catalog index for every cataloged object."""
    catalog = root.catalog
    request = _request_for(root, registry)
    for docid, path in catalog.path_by_docid.items():
        obj = _find(root, path)
        if obj is not None:
            catalog.indexes[index_name].reindex_doc(docid, indexable(request, obj))


def _request_for(root, registry):
    request = Request.blank("/")
    request.registry = registry
    request.root = root
    return request


def _find(root, path):
    try:
        return find_resource(root, path)
    except KeyError:
        return None


def step_5_catalog_text_digests_and_minutes(root, registry):
    """The catalog remembers a digest of each document's indexed text (so
    unchanged text is not reindexed) and keeps modification times to the minute."""
    catalog = root.catalog
    if getattr(catalog, "text_digests", None) is None:
        catalog.text_digests = LOBTree()
    _reindex_all(root, registry, "modified")


def step_6_imports(root, registry):
    """Imported files: SHA-256 of the file -> path of what it became (no duplicates)."""
    if getattr(root, "imports", None) is None:
        root.imports = OOBTree()


def step_7_state_keys_name_their_type(root, registry):
    """The state index holds "Type:state" (``catalog.state_key``): reindex it."""
    _reindex_all(root, registry, "state")


def step_8_audit_index_actions(root, registry):
    """The audit trail's index keys carry their entry's action, so filtering
    and counting by action read no entry records: fill in the keys written
    before (an entry deleted behind the application's back keeps None, and
    verification still names it)."""
    log = root.audit_log
    for tree in (*log.time_shards, *log.actors.values()):
        unknown = [key for key, action in tree.items() if action is None]
        for key in unknown:
            entry = log.get(key[1], key[2])
            if entry is not None:
                tree[key] = entry["action"]


def step_9_swedish_text_index(root, registry):
    """The text index stems Swedish and folds å/ä/ö (``catalog/text.py``):
    build it anew and index every object's text into it."""
    catalog = root.catalog
    catalog.indexes["text"] = text_index()
    catalog.text_digests = LOBTree()  # every text is new to the new index
    request = _request_for(root, registry)
    for docid, path in catalog.path_by_docid.items():
        obj = _find(root, path)
        if obj is not None:
            record = indexable(request, obj)
            catalog.indexes["text"].index_doc(docid, record)
            catalog.text_digests[docid] = text_digest(record.text)


def step_10_decision_names(root, registry):
    """Decisions are named by body, year and § (``ks-2026-p1``,
    ``numbering.paragraph_name``), no longer like the case ``ks-2026-1``
    they were mistaken for: rename each through ``content.rename``, so that
    its audit chain follows it (a ``renamed`` entry, actor: none, the
    system), what names it follows (each referrer a ``link`` entry) and its
    old address redirects. An object with a name of its own is left alone."""
    log = root.audit_log
    if log.aliases is None:
        log.aliases = OOBTree()
    renames = []
    for schema in get_schemas(registry).values():
        numbering = schema.presentation.numbering
        if numbering.kind != "paragraph" or schema.container not in root:
            continue
        for name, obj in list(root[schema.container].items()):
            body, day = obj.data.get(numbering.per), obj.data.get(numbering.year_from)
            number = obj.data.get(numbering.field)
            if body and day is not None and number is not None \
                    and name == f"{body.lower()}-{day.year}-{number}":
                renames.append((obj, paragraph_name(body, day.year, number)))
    if not renames:
        return
    request = _request_for(root, registry)
    request.environ[IDENTITY_KEY] = None  # done by the system, not by a user
    references = references_to(root, [resource_path(obj) for obj, _new in renames])
    for obj, new_name in renames:
        rename_content(request, obj, new_name, references,
                       reason="Beslut namnges efter organ, år och paragraf (evolve-steg 10).")


MIGRATE_BATCH = 10_000  # entries between two savepoints of step 11 (bounded memory)


def step_11_audit_entries_as_bytes(root, registry):
    """Each audit entry stored as the canonical bytes its hash covers, inside the
    ``entries`` buckets (``StoredEntry``), and each time-index key carrying its
    entry's hash, so that verification reads ~30 entries per object load and
    seals read the time index alone (docs/audit.md).

    The bytes are made from each entry as stored, with the hash it stores, so
    an entry altered before the migration still fails verification; a time
    key whose entry is gone carries no hash (verification names it). A
    savepoint every MIGRATE_BATCH entries lets the cache let go of what was
    rewritten. Idempotent.
    """
    log = root.audit_log
    jar = log._p_jar

    def batch_done(done):
        if jar is not None and done % MIGRATE_BATCH == 0:
            jar.transaction_manager.savepoint(optimistic=True)
            jar.cacheGC()

    done = 0
    for key in list(log.entries.keys()):
        stored = log.entries[key]
        if not isinstance(stored, StoredEntry):
            log.entries[key] = StoredEntry.of(entry_data(stored))
        done += 1
        batch_done(done)
    for tree in log.time_shards:
        for key in list(tree.keys()):
            value = tree[key]
            if not isinstance(value, tuple):
                stored = log.entries.get((key[1], key[2]))
                tree[key] = index_value(index_action(value), stored.hash if stored is not None else None)
            done += 1
            batch_done(done)


def step_12_catalog_indexed_values(root, registry):
    """Each document's values in the field and keyword indexes kept in one record
    (``catalog.indexed_values``), so a reindex reads that record instead of every
    index's reverse map to find what changed. The values are read from the indexes
    themselves (what they hold, not what the objects say). Idempotent."""
    catalog = root.catalog
    values = catalog.indexed_values = LOBTree()
    indexes = catalog.indexes
    for docid in catalog.path_by_docid:
        row = []
        for name in VALUE_INDEXES:
            held = indexes[name]._rev_index.get(docid)
            if held is None:
                break  # never indexed in full: the next reindex reads the indexes themselves
            row.append(indexed_value(name, held))
        else:
            values[docid] = pack_values(tuple(row))


def step_13_catalog_values_packed(root, registry):
    """Each document's kept values as one string (``pack_values``) instead of a tuple
    of tuples: every change rewrites the bucket of its neighbours' values too, and a
    bucket of tuples pickled about 17 objects per document. Idempotent."""
    values = root.catalog.indexed_values
    for docid, held in list(values.items()):
        if isinstance(held, tuple):
            values[docid] = pack_values(held)


def step_14_small_maps_inside_their_object(root, registry):
    """Each content object's local roles and links kept inside its own record
    (``Frozen``) instead of two PersistentMappings of their own, and no empty list
    of earlier versions: a case read with a cold cache (a register of 100,000) then
    loads three records fewer. The values, and so the audit trail's state digests,
    stay as they were. Idempotent."""
    jar = root._p_jar
    for done, path in enumerate(root.catalog.path_by_docid.values(), start=1):
        obj = _find(root, path)
        if obj is None:
            continue
        for name in ("local_roles", "links"):
            held = getattr(obj, name, None)
            if held is not None and not isinstance(held, Frozen):
                setattr(obj, name, Frozen(held))
        if "versions" in obj.__dict__ and not obj.versions:
            del obj.versions  # the class's empty tuple
        if jar is not None and done % MIGRATE_BATCH == 0:
            jar.transaction_manager.savepoint(optimistic=True)
            jar.cacheGC()


def step_15_paragraph_counters_cover_every_decision(root, registry):
    """Each § series' counter (body and year) at least the highest § a decision
    of that series holds. Decisions imported before an imported § raised the
    counter (``numbering.raise_number``) may hold numbers above it, and the
    next § taken would then repeat one of them. A counter is only raised, never
    lowered: the numbers above every § held were handed out or skipped (the
    paper protocols' numbers), and a § is never given twice. Idempotent."""
    highest = {}
    for schema in get_schemas(registry).values():
        numbering = schema.presentation.numbering
        if numbering.kind != "paragraph" or schema.container not in root:
            continue
        for obj in root[schema.container].values():
            body, day = obj.data.get(numbering.per), obj.data.get(numbering.year_from)
            number = obj.data.get(numbering.field)
            if body and day is not None and number is not None:
                key = (paragraph_series(body), day.year)
                highest[key] = max(highest.get(key, 0), number)
    for (series, year), number in highest.items():
        raise_number(root, series, year, number)


def step_16_catalog_digests_in_kept_values(root, registry):
    """Each document's text digest kept in its string of ``indexed_values``
    (``pack_values``), not in a tree of its own (``text_digests``), which is
    deleted: a transition then loads one bucket fewer and a create writes one
    entry fewer. A document with no kept values loses its digest (its text is
    indexed again at its next change). Idempotent."""
    catalog = root.catalog
    digests = getattr(catalog, "text_digests", None)
    if digests is None:
        return
    kept = catalog.indexed_values
    for docid, packed in list(kept.items()):
        values, digest = unpack_values(packed)
        if digest is None and docid in digests:
            kept[docid] = pack_values(values, digests[docid])
    del catalog.text_digests


STEPS = [
    (1, step_1_create_structure),
    (2, step_2_add_missing_folders),
    (3, step_3_index_local_roles),
    (4, step_4_audit_log_layout),
    (5, step_5_catalog_text_digests_and_minutes),
    (6, step_6_imports),
    (7, step_7_state_keys_name_their_type),
    (8, step_8_audit_index_actions),
    (9, step_9_swedish_text_index),
    (10, step_10_decision_names),
    (11, step_11_audit_entries_as_bytes),
    (12, step_12_catalog_indexed_values),
    (13, step_13_catalog_values_packed),
    (14, step_14_small_maps_inside_their_object),
    (15, step_15_paragraph_counters_cover_every_decision),
    (16, step_16_catalog_digests_in_kept_values),
]
LATEST = STEPS[-1][0]


def create_root(zodb_root, registry):
    """Make an empty application root and bring it to the newest step."""
    root = zodb_root[APP_KEY] = Root()
    return root, evolve(root, registry)


def evolve(root, registry):
    """Apply the missing steps in order; returns the numbers applied.

    Folders for content types added to schemas/ since are created every
    time (step 2 is idempotent), since a new type needs no new code.
    """
    applied = []
    for number, step in STEPS:
        if root.evolve_version < number:
            step(root, registry)
            root.evolve_version = number
            applied.append(number)
    step_2_add_missing_folders(root, registry)
    return applied


def missing_folders(root, registry):
    """Content folders that schemas/ declares but the database lacks."""
    return sorted(s.container for s in get_schemas(registry).values() if s.container not in root)


def check_version(zodb_root, ini_hint="development.ini", registry=None):
    """Raise DatabaseNotReady unless the database is at the code's newest step
    (and, given the registry, has a folder for every type in schemas/)."""
    root = app_root(zodb_root)
    if root is None:
        raise DatabaseNotReady(
            f"The database is empty. Create it with: partnership-cms init {ini_hint}")
    if root.evolve_version < LATEST:
        raise DatabaseNotReady(
            f"The database is at evolve step {root.evolve_version}, the code needs {LATEST}. "
            f"Back up var/Data.fs, then run: partnership-cms evolve {ini_hint}")
    if root.evolve_version > LATEST:
        raise DatabaseNotReady(
            f"The database is at evolve step {root.evolve_version}, newer than this code "
            f"({LATEST}). Install the newer version of partnership-cms.")
    missing = missing_folders(root, registry) if registry is not None else []
    if missing:
        raise DatabaseNotReady(
            f"schemas/ declares types the database has no folder for ({', '.join(missing)}). "
            f"Run: partnership-cms evolve {ini_hint}")

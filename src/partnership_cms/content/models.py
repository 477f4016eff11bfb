"""Persistent classes: the application root, folders and content objects.

Content objects keep their field values in ``data`` (validated against the
type's schema in ``schemas/``), their workflow state in ``state`` and their
local roles in ``local_roles``. They carry no ``__acl__``: the security
policy asks the workflow for the ACL of the current state, so a changed
workflow definition takes effect without touching stored objects.
"""
import datetime

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList
from persistent.mapping import PersistentMapping
from pyramid.authorization import ALL_PERMISSIONS as PYRAMID_ALL
from pyramid.authorization import Allow, Deny, Everyone
from ZODB.blob import Blob

from ..security.permissions import AUDIT, IMPORT, MANAGE_USERS, VIEW
from ..security.roles import role_principal


def utcnow():
    return datetime.datetime.now(datetime.UTC)


class Frozen(dict):
    """A small read-only mapping pickled inside its object's own record (a
    PersistentMapping is a record of its own: one more load for every case read
    with a cold cache). A change replaces it (``Content.set_local_roles``,
    ``set_link``), which the object notices; changing it in place raises
    instead of being silently lost at commit."""

    def _refuse(self, *_args, **_kwargs):
        raise TypeError("a Frozen mapping is replaced, not changed: use the object's setter")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self):
        # Pickle as the constructor's argument: unpickling would otherwise set each item.
        return (Frozen, (dict(self),))


class Folder(Persistent):
    """A BTree-backed container; children know their name and parent."""

    __name__ = None
    __parent__ = None
    title = ""

    def __init__(self, title=""):
        self.title = title
        self._items = OOBTree()
        # Length resolves concurrent changes by adding them: right for a count.
        self._count = Length()

    def __getitem__(self, name):
        return self._items[name]

    def get(self, name, default=None):
        return self._items.get(name, default)

    def __contains__(self, name):
        return name in self._items

    def __len__(self):
        return self._count()

    def __setitem__(self, name, obj):
        if name in self._items:
            raise KeyError(f"{name!r} exists already")
        obj.__name__, obj.__parent__ = name, self
        self._items[name] = obj
        self._count.change(1)

    def keys(self, min=None, max=None):
        return self._items.keys(min, max)

    def values(self):
        return self._items.values()

    def items(self):
        return self._items.items()


class ContentFolder(Folder):
    """Holds the objects of one content type (``/proposals``, ...).

    Who may add to it comes from the type's workflow (``add_roles``); what a
    caller may list is decided per object by the catalog's allowed index.
    An object renamed (``content/rename.py``) leaves its old name in ``moved``
    (old name -> new name), which traversal answers with a ``Moved``.
    """

    moved = None  # OOBTree old name -> new name, made at the first rename

    def __init__(self, type_name, title):
        super().__init__(title)
        self.type_name = type_name

    def __getitem__(self, name):
        try:
            return self._items[name]
        except KeyError:
            target = self.renamed_to(name)
            if target is None:
                raise
            return Moved(self, name, target)

    def renamed_to(self, name):
        """The object an old ``name`` now names (renamed once or more), or None."""
        moved = self.moved
        for _ in range(100):  # each rename adds one hop; the bound only guards a cycle
            if moved is None or name not in moved:
                break
            name = moved[name]
            if name in self._items:
                return self._items[name]
        return None

    def rename(self, old, new):
        """Give the object named ``old`` the name ``new``; the old name stays a redirect.

        Only ``content.rename.rename_content`` calls this: it announces the
        rename, so the catalog and the audit trail follow."""
        if new in self._items or (self.moved is not None and new in self.moved):
            raise KeyError(f"{new!r} exists already")
        obj = self._items.pop(old)
        obj.__name__ = new
        self._items[new] = obj
        if self.moved is None:
            self.moved = OOBTree()
        self.moved[old] = new
        return obj


class Moved:
    """What an old name of a renamed object (and any path below it) traverses
    to; its view answers with a redirect to the same place under the new name.
    Not persistent: made by ``ContentFolder.__getitem__`` at each traversal."""

    def __init__(self, parent, name, target, rest=()):
        self.__parent__, self.__name__ = parent, name
        self.target = target  # the renamed object, at its new name
        self.rest = rest  # the path segments after the old name

    def __getitem__(self, segment):
        return Moved(self, segment, self.target, (*self.rest, segment))


class Root(Folder):
    """The application root. System parts live in attributes, not items,
    so traversal reaches only content folders."""

    __acl__ = [
        (Allow, Everyone, VIEW),
        (Allow, role_principal("auditor"), AUDIT),
        (Allow, role_principal("admin"), MANAGE_USERS),
        (Allow, role_principal("clerk"), IMPORT),
        (Deny, Everyone, PYRAMID_ALL),
    ]
    evolve_version = 0  # the last evolve step applied (see evolve.py)


class Attachment(Persistent):
    """One uploaded file (a bilaga): its bytes in a ZODB Blob (blob storage,
    outside Data.fs), what it is and who put it there. Never changed after
    upload: a new version is a new Attachment. ``sha256`` is what the audit
    trail vouches for; verification recomputes it from the blob."""

    def __init__(self, file_id, filename, kind, data, sha256, uploader, number=None, text=""):
        self.file_id = file_id
        self.filename = filename
        self.kind = kind  # schema/filetypes.py KINDS, found from the bytes
        self.size = len(data)
        self.sha256 = sha256
        self.uploader = uploader
        self.uploaded = utcnow()
        self.number = number  # the bilaga's number it fills, or None
        self.text = text  # the searchable text (a PDF's), extracted once at upload
        self.blob = Blob()
        with self.blob.open("w") as f:
            f.write(data)

    def open(self):
        """The stored bytes, as a file open for reading."""
        return self.blob.open("r")


class HistoryEntry(Persistent):
    """One workflow history entry (a dict) in a record of its own, never changed
    after it is written: a transition adds one record and rewrites no earlier
    entry, however long their comments."""

    def __init__(self, data):
        self.data = data


class Content(Persistent):
    """One document of a case: a Proposal, Decision, Agreement or Amendment."""

    __name__ = None
    __parent__ = None
    _history_entries = ()  # HistoryEntry records, oldest first (objects from before: none yet)
    # file id -> Attachment; set on the first upload (objects from before have none).
    files = None
    files_counter = 0
    # Earlier versions (an agreement's), a PersistentList from the first one on:
    # most documents have none and then keep no record for them.
    versions = ()

    def __init__(self, type_name, data, state, creator):
        self.type_name = type_name
        self.data = PersistentMapping(data)
        self.state = state
        self.local_roles = Frozen()  # login -> tuple of role names
        self.links = Frozen()  # relation name -> tuple of paths
        self.creator = creator
        self.created = self.modified = utcnow()

    @property
    def title(self):
        return self.data.get("title", "")

    @property
    def history(self):
        """The workflow history entries (dicts), oldest first.

        Entries are HistoryEntry records that the object refers to; what
        objects from before kept in their own record (a tuple or a
        PersistentList under ``history``) comes first, as it was."""
        entries = self._history_entries  # loads the object if it is a ghost
        earlier = self.__dict__.get("history", ())
        return (*earlier, *(entry.data for entry in entries))

    @history.setter
    def history(self, entries):
        # Only the form of before (the entries in the object's own record) is ever set.
        self.__dict__["history"] = entries
        self._p_changed = True

    def add_history(self, entry):
        """Append a history entry as a record of its own: the object then holds one
        more reference, and no earlier entry is written again."""
        self._history_entries = (*self._history_entries, HistoryEntry(entry))

    def attachments(self):
        """The uploaded files, oldest first."""
        return sorted((self.files or {}).values(), key=lambda a: (a.uploaded, a.file_id))

    def attachment_text(self):
        """The searchable text of the uploaded files (the catalog adds it to the object's)."""
        return " ".join(a.text for a in self.attachments() if a.text)

    def add_version(self, version):
        """Keep ``version`` (a dict: number, data, what replaced it) as the newest earlier version."""
        if not isinstance(self.versions, PersistentList):
            self.versions = PersistentList()
        self.versions.append(version)

    def add_local_role(self, login, role):
        self.set_local_roles(login, {*self.local_roles.get(login, ()), role})

    def set_local_roles(self, login, roles):
        """``login`` holds exactly ``roles`` here (none: no entry)."""
        local_roles = {name: held for name, held in self.local_roles.items() if name != login}
        if roles:
            local_roles[login] = tuple(sorted(roles))
        self.local_roles = Frozen(local_roles)

    def add_link(self, relation, path):
        self.set_link(relation, (*self.links.get(relation, ()), path))

    def set_link(self, relation, paths):
        """The ``relation`` leads to exactly ``paths`` (none: no entry)."""
        links = {name: held for name, held in self.links.items() if name != relation}
        if paths:
            links[relation] = tuple(paths)
        self.links = Frozen(links)


__all__ = ["Attachment", "Content", "ContentFolder", "Folder", "Frozen", "Moved", "Root"]

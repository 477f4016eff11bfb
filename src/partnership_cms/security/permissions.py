"""Permission names: the one place they are spelled.

Views use these constants in ``permission=`` and ACLs grant them; a typo
in either place is then an ImportError instead of a silently open view.
Workflow transitions use ``transition_permission(id)``: a transition is
allowed exactly when the object's ACL grants that permission.
"""

VIEW = "view"
EDIT = "edit"
ADD = "add"
SHARE = "share"  # assign local roles (e.g. another officer as co-owner, a justerare)
ATTACH = "attach"  # upload a file (bilaga) to a document whose type takes files
AUDIT = "audit"
MANAGE_USERS = "manage_users"
IMPORT = "import"  # import documents (tjänsteutlåtanden, protokollsutdrag) as content
DISPATCH = "dispatch"  # send a justerat protocol's extracts to their recipients (expediering)
# Denied to everybody: the default permission for views that forgot one.
NOBODY = "__no_permission_declared__"

CONTENT_PERMISSIONS = (VIEW, EDIT, SHARE, ATTACH, DISPATCH)
ALL_PERMISSIONS = (VIEW, EDIT, SHARE, ATTACH, DISPATCH, ADD, AUDIT, MANAGE_USERS, IMPORT)

TRANSITION_PREFIX = "transition:"


def transition_permission(transition_id):
    """The permission that allows performing the named transition."""
    return TRANSITION_PREFIX + transition_id

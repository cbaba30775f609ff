"""What more than one finance area's entrypoints use: who counts as a record's department, the records a
caller may list, and an offset page of a document class."""
from ttp_common import auth, paging, regions
from ttp_common.refusals import NotAllowed


def is_department(principal, region_code):
    """An admin, or a reviewer whose region covers ``region_code``."""
    return principal.role == auth.Roles.ADMIN or (
        principal.role == auth.Roles.REVIEWER and principal.region is not None
        and regions.covers(principal.region, region_code))


def scope(principal):
    """The records an institution (its organization's), a reviewer (its region's) or an admin (all) may list."""
    if principal.role == auth.Roles.ADMIN:
        return {}
    if principal.role == auth.Roles.REVIEWER:
        if principal.region is None:
            raise NotAllowed("a reviewer's token names its region")
        return regions.query(auth.review_scope(principal))
    if principal.org is None:
        raise NotAllowed("an institution's token names its organization")
    return {"organization_id": principal.org}


def page(store, document_class, query, sort, params):
    """One page (``params``: ``paging.OffsetParams``) of ``document_class`` matching ``query``, as the API shows it."""
    return paging.by_offset(store.collection(document_class), query, sort, params,
                            lambda raw: store.load(document_class, raw).public())

"""Listings (挂牌): an organization of a published achievement lists it (or one of its patents) with a pricing
mode; the public searches open listings; the seller withdraws one. The clock closes it when it expires, an
auction when it is sold, the registry's withdrawal of the achievement when that comes (``integration``); its
proposed matches are declined then, accepted ones stay. The work is in ``transactions.handlers.listings``.
"""
from typing import Literal

from pydantic import Field

from ttp_common import auth
from ttp_common.endpoints import created, endpoint
from ttp_common.refusals import NotFound

from ..documents import Listing
from ..handlers import listings as handlers
from ..listings import LISTING_MODES, ListingIn, WithdrawIn
from .common import DIVISION, INSTITUTIONS, OBJECT, PROGRAMME, Before, Division, before_page, search_query


class ListingQuery(Before):
    q: str | None = Field(None, description="words (Chinese or Latin), all must match")
    programme: int | None = Field(None, ge=1, le=15, description=PROGRAMME)
    region: Division | None = Field(None, description=DIVISION)
    mode: Literal[tuple(LISTING_MODES)] | None = Field(None, description="transfer, licence or equity")
    achievement: str | None = Field(None, description="listings of this achievement")
    seller: str | None = Field(None, description="listings of this seller organization")


class ListingEntrypoints:
    """Listings."""

    @endpoint("POST", "/api/v1/listings", roles=INSTITUTIONS, body=ListingIn, status=201, response=OBJECT,
              errors=(404, 409),
              summary="List a published achievement or one of its patents (成果挂牌): organizations of the achievement")
    def create_listing(self, ctx):
        listing = self.store.transact(handlers.open_listing, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(listing.view(), f"/api/v1/listings/{listing.id}")

    @endpoint("GET", "/api/v1/listings", query=ListingQuery, response=OBJECT,
              summary="Open listings, newest first: {items, next_before} (null on the last page; public)")
    def search_listings(self, ctx):
        q = ctx.query
        query = search_query({"status": "open"}, q.q, q.region, programme=q.programme, mode=q.mode,
                             achievement_id=q.achievement, seller_organization_id=q.seller)
        return before_page(self.store, Listing, query, q, "opened_at")

    @endpoint("GET", "/api/v1/listings/<string:listing_id>", response=OBJECT,
              summary="A listing (public while open)")
    def get_listing(self, ctx, listing_id):
        """Open listings are public; closed or withdrawn ones only to the seller and admins."""
        listing = self.store.get(Listing, listing_id)
        if listing.status != "open" and not auth.acts_for(ctx.principal, listing.seller_organization_id):
            raise NotFound("no such listing")
        return listing.view()

    @endpoint("POST", "/api/v1/listings/<string:listing_id>/withdraw", roles=INSTITUTIONS, body=WithdrawIn,
              response=OBJECT, errors=(409,),
              summary="Withdraw an open listing (撤牌): the seller. Its proposed matches are declined, as when it "
                      "closes (sold, expired, the achievement withdrawn); accepted ones stay")
    def withdraw_listing(self, ctx, listing_id):
        return self.store.transact(handlers.withdraw, listing_id, ctx.body.reason, ctx.principal, ctx.now,
                                   actor=ctx.actor).view()

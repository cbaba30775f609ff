"""English auctions (竞价拍卖) of open listings.

The seller schedules an auction of its open listing; institutions other than the achievement's organizations
bid, applied one at a time by a compare-and-set on the auction's version (anti-sniping extends the end); the
public sees the state and the accepted bids. The clock (``integration``) closes a due auction, sold to the
leader or unsold. The work is in ``transactions.handlers.auctions``, the rules in ``transactions.auctions``.
"""
from typing import Literal

from pydantic import Field

from ttp_common import paging
from ttp_common.auth import Roles
from ttp_common.endpoints import created, endpoint

from .. import auctions
from ..auctions import AuctionIn, BidIn
from ..documents import Auction, Bid
from ..handlers import auctions as handlers
from .common import INSTITUTIONS, OBJECT, Before, before_page, offset_page


class AuctionQuery(Before):
    listing_id: str | None = Field(None, description="auctions of this listing")
    status: Literal[auctions.STATUSES] | None = Field(
        None, description="open, sold, unsold or cancelled (撤拍: the achievement was withdrawn at the registry "
                          "before it ended)")


class BidQuery(paging.OffsetParams):
    sort: Literal["oldest", "newest"] = Field("oldest", description="by bid sequence: oldest first (the default) or "
                                                                     "newest first")


class AuctionEntrypoints:
    """Auctions and bids."""

    @endpoint("POST", "/api/v1/auctions", roles=INSTITUTIONS, body=AuctionIn, status=201, response=OBJECT,
              errors=(404, 409),
              summary="Set up an English auction on an open listing (竞价拍卖): the seller; 409 when the listing "
                      "already has an open auction")
    def create_auction(self, ctx):
        auction = self.store.transact(handlers.schedule, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(auction.view(), f"/api/v1/auctions/{auction.id}")

    @endpoint("GET", "/api/v1/auctions", query=AuctionQuery, response=OBJECT,
              summary="Auctions, newest first: {items, next_before} (null on the last page; public; reserves are "
                      "not disclosed)")
    def search_auctions(self, ctx):
        q = ctx.query
        query = {name: value for name, value in (("listing_id", q.listing_id), ("status", q.status)) if value}
        return before_page(self.store, Auction, query, q, "created_at")

    @endpoint("GET", "/api/v1/auctions/<string:auction_id>", response=OBJECT,
              summary="An auction's state (public; the reserve is not disclosed)")
    def get_auction(self, ctx, auction_id):
        return self.store.get(Auction, auction_id).view()

    @endpoint("GET", "/api/v1/auctions/<string:auction_id>/bids", query=BidQuery,
              response=OBJECT, summary="Accepted bids in order (sort=newest: the latest first), a page: {items, offset, "
                                       "limit, next_cursor} (public)")
    def list_bids(self, ctx, auction_id):
        self.store.get(Auction, auction_id)
        order = 1 if ctx.query.sort == "oldest" else -1
        return offset_page(self.store, Bid, {"auction_id": auction_id}, [("sequence", order)], ctx.query)

    @endpoint("POST", "/api/v1/auctions/<string:auction_id>/bids", roles=(Roles.INSTITUTION,), body=BidIn,
              status=201, response=OBJECT, errors=(409,),
              summary="Bid: authenticated institutions other than the organizations of the listed achievement "
                      "(403 own_auction); at least the current price plus the increment (or the start price), "
                      "before the end. 409 bid_too_low / auction_ended / auction_not_started / auction_closed "
                      "name the field.")
    def place_bid(self, ctx, auction_id):
        """Applied one at a time by a compare-and-set on the auction's version, so none is lost and no two win
        at one price."""
        bid, state = handlers.bid(self.store, auction_id, ctx.body.amount, ctx.principal, ctx.actor)
        return {**bid.view(), "current_price": state.current_price, "ends_at": state.ends_at}

"""The transactions service: the online technology market (技术交易网络系统) and contract registration.

This module only composes the service. Its entrypoints live in ``transactions.entrypoints``, one mixin
per area (listings and matching, demands, auctions, contracts, valuations and consultations, the
replica consumer, clock and RPC); the rules live in domain.py, auctions.py, matching.py and
valuation.py; the OpenAPI document in openapi.py.
"""
from ttp_common.service_base import PlatformService

from .documents import (
    AchievementReplica, Auction, Bid, Consultation, Contract, Demand, Listing, Match, Valuation,
    replace_sparse_live_pair_index,
)
from .entrypoints.advisory import AdvisoryEntrypoints
from .entrypoints.auctions import AuctionEntrypoints
from .entrypoints.contracts import ContractEntrypoints
from .entrypoints.demands import DemandEntrypoints
from .entrypoints.integration import IntegrationEntrypoints
from .entrypoints.listings import ListingEntrypoints
from .openapi import SPEC


class TransactionsService(ListingEntrypoints, DemandEntrypoints, AuctionEntrypoints, ContractEntrypoints,
                          AdvisoryEntrypoints, IntegrationEntrypoints, PlatformService):
    name = "transactions"
    openapi_spec = SPEC
    documents = [AchievementReplica, Listing, Demand, Match, Auction, Bid, Contract, Valuation, Consultation]
    migrations = [replace_sparse_live_pair_index]

"""The transactions service: the online technology market (技术交易网络系统) and contract registration.

This module only composes the service. Its entrypoints live in ``transactions.entrypoints``, one mixin per
area (listings, demands, matching, auctions, contracts, valuations and consultations, the replica consumer,
clock and RPC); the work of each write in ``transactions.handlers``; the rules in the modules named after their
subject (listings.py, demands.py, matches.py, auctions.py, contracts.py, amendments.py (contract changes and
cancellations), income.py (technical income verification), valuation.py, consultations.py, matching.py); the
documents in documents.py. The OpenAPI document is generated from the ``@endpoint`` declarations.
"""
from nameko.rpc import RpcProxy

from ttp_common.service_base import PlatformService

from .documents import (
    AchievementReplica, Auction, Bid, Consultation, Contract, Demand, IncomeFiling, IpRightReplica, Listing, Match,
    Valuation, replace_sparse_live_pair_index,
)
from .entrypoints.advisory import AdvisoryEntrypoints
from .entrypoints.auctions import AuctionEntrypoints
from .entrypoints.contracts import ContractEntrypoints
from .entrypoints.demands import DemandEntrypoints
from .entrypoints.income import IncomeEntrypoints
from .entrypoints.integration import IntegrationEntrypoints
from .entrypoints.listings import ListingEntrypoints
from .entrypoints.matches import MatchEntrypoints


class TransactionsService(ListingEntrypoints, DemandEntrypoints, MatchEntrypoints, AuctionEntrypoints,
                          ContractEntrypoints, IncomeEntrypoints, AdvisoryEntrypoints, IntegrationEntrypoints,
                          PlatformService):
    name = "transactions"
    api_title = "技术交易网络系统 Transactions API"
    api_description = ("The demand-oriented online technology market (listings, demands, matching, auctions), "
                       "appraisal, consulting, and technology contract registration (技术合同认定登记) whose "
                       "turnover the plan targets.")
    registry = RpcProxy("registry")  # organization names for the contract certificate, with a timeout (ttp_common.rpc)
    documents = [AchievementReplica, Listing, Demand, Match, Auction, Bid, Contract, IncomeFiling, Valuation,
                 Consultation, IpRightReplica]
    migrations = [replace_sparse_live_pair_index]

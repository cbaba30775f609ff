"""The finance service: transformation projects under the plan's 15 special programmes, the financing
project pool, investors and funds, deals, fiscal instruments (subsidies) and roadshows (plan 四(四)).

This module only composes the service. Its entrypoints live in ``finance.entrypoints``, one mixin per area;
the work of each write in ``finance.handlers``; the rules in ``finance.projects``, ``finance.pool`` and
``finance.subsidies``; the response schemas in ``finance.schemas``.

Investors act through institution tokens whose ``org`` claim is the organization of a registered investor
(the platform has no investor role yet); departments act as reviewers of a region; admins may do everything.
"""
from ttp_common.service_base import PlatformService

from .dependencies import SubsidyRules
from .documents import (
    AchievementLink, ContractLink, Deal, FinancingProject, Fund, Investor, IpRightLink, OrganizationFacts, Roadshow,
    Subsidy, TransformationProject, drop_legacy_indexes,
)
from .entrypoints.deals import DealEntrypoints
from .entrypoints.eligibility import EligibilityEntrypoints
from .entrypoints.funds import FundEntrypoints
from .entrypoints.pool import PoolEntrypoints
from .entrypoints.projects import ProjectEntrypoints
from .entrypoints.replica import ReplicaEntrypoints
from .entrypoints.roadshows import RoadshowEntrypoints
from .entrypoints.rpc import RpcEntrypoints
from .entrypoints.subsidies import SubsidyEntrypoints
from .schemas import SCHEMAS


class FinanceService(ProjectEntrypoints, PoolEntrypoints, FundEntrypoints, DealEntrypoints, SubsidyEntrypoints,
                     RoadshowEntrypoints, EligibilityEntrypoints, ReplicaEntrypoints, RpcEntrypoints, PlatformService):
    name = "finance"
    api_title = "投融资项目库 Finance API"
    api_description = (
        "Transformation projects under the plan's 15 special programmes, the financing project pool, investors and "
        "funds, deals, fiscal instruments (subsidies) and roadshows (plan 四(四)). Money is an exact decimal string "
        "in yuan.")
    api_schemas = SCHEMAS
    documents = [TransformationProject, FinancingProject, Investor, Fund, Deal, Subsidy, Roadshow, OrganizationFacts,
                 AchievementLink, ContractLink, IpRightLink]
    migrations = [drop_legacy_indexes]
    rules = SubsidyRules()

"""The registry service: organizations, achievements (科技成果), duty-achievement disclosures, plan projects,
dual-use catalogues, annual reports and intellectual property records (知识产权).

This module only composes the service. Its entrypoints live in ``registry.entrypoints``, one mixin per
area (organizations and accreditation, achievements and import, disclosures, search, plan projects,
catalogues, annual reports); the work of each write in ``registry.handlers``; the rules in the modules named
after their subject (organizations.py, achievements.py, certificates.py, disclosures.py, catalogues.py,
plan_projects.py, annual_reports.py, search.py); the response schemas in schemas.py. The OpenAPI document is
generated from the declarations.
"""
from ttp_common.service_base import PlatformService

from . import schemas
from .documents import (
    Achievement, AnnualReport, AnnualReportFinding, CatalogueEntry, Disclosure, IpReview, IpRight, Organization,
    PlanProject, PublicAchievement,
)
from .entrypoints.achievements import AchievementEntrypoints
from .entrypoints.annual_reports import AnnualReportEntrypoints
from .entrypoints.catalogues import CatalogueEntrypoints
from .entrypoints.disclosures import DisclosureEntrypoints
from .entrypoints.ip import IpRightEntrypoints
from .entrypoints.ip_reviews import IpReviewEntrypoints
from .entrypoints.organizations import OrganizationEntrypoints
from .entrypoints.plan_projects import PlanProjectEntrypoints
from .entrypoints.search import SearchEntrypoints
from .migrations import add_search_fields


class RegistryService(OrganizationEntrypoints, AchievementEntrypoints, DisclosureEntrypoints, SearchEntrypoints,
                      PlanProjectEntrypoints, CatalogueEntrypoints, AnnualReportEntrypoints, IpRightEntrypoints,
                      IpReviewEntrypoints, PlatformService):
    name = "registry"
    api_title = "科技成果信息汇交系统 Registry API"
    api_description = "Organizations (主体) and achievements (科技成果) of Sichuan's technology-transfer programme."
    api_schemas = schemas.COMPONENTS
    documents = [Organization, Achievement, PublicAchievement, PlanProject, CatalogueEntry, AnnualReport,
                 AnnualReportFinding, Disclosure, IpRight, IpReview]
    migrations = [add_search_fields]

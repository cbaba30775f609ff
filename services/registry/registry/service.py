"""The registry service: organizations, achievements (科技成果), plan projects, dual-use catalogues and
annual reports.

This module only composes the service. Its entrypoints live in ``registry.entrypoints``, one mixin per
area (organizations and accreditation, achievements and import, search, plan projects, catalogues,
annual reports); the rules live in domain.py, achievements.py, plan_projects.py, annual_reports.py and
search.py; the OpenAPI document in openapi.py.
"""
from ttp_common.service_base import PlatformService

from .documents import Achievement, AnnualReport, CatalogueEntry, Organization, PlanProject, PublicAchievement
from .entrypoints.achievements import AchievementEntrypoints
from .entrypoints.annual_reports import AnnualReportEntrypoints
from .entrypoints.catalogues import CatalogueEntrypoints
from .entrypoints.organizations import OrganizationEntrypoints
from .entrypoints.plan_projects import PlanProjectEntrypoints
from .entrypoints.search import SearchEntrypoints, add_search_fields
from .openapi import SPEC


class RegistryService(OrganizationEntrypoints, AchievementEntrypoints, SearchEntrypoints, PlanProjectEntrypoints,
                      CatalogueEntrypoints, AnnualReportEntrypoints, PlatformService):
    name = "registry"
    openapi_spec = SPEC
    documents = [Organization, Achievement, PublicAchievement, PlanProject, CatalogueEntry, AnnualReport]
    migrations = [add_search_fields]

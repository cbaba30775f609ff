"""The portal: the platform in a browser, in Chinese, over the other services' APIs (it owns no domain data; its
database holds browser sessions only). Entrypoints: ``portal.entrypoints`` (public pages, institution staff pages (drafts; import, listings, demands, auctions, annual report, rewards, technical income, disclosures), reviewers' and registrars' queues, administration, sign-in, static files);
sessions and CSRF ``sessions``; the identity client ``oauth``; calls to the services ``upstream``; rendering
``pages``."""
from ttp_common.service_base import PlatformService

from .dependencies import Runtime
from .documents import DOCUMENTS
from .entrypoints.admin import AdminEntrypoints
from .entrypoints.auth import AuthEntrypoints
from .entrypoints.common import PortalHelpers
from .entrypoints.disclosures import DisclosureEntrypoints
from .entrypoints.income import IncomeEntrypoints
from .entrypoints.institution import InstitutionEntrypoints
from .entrypoints.market import ContractEntrypoints, MarketEntrypoints
from .entrypoints.notifications import NotificationEntrypoints
from .entrypoints.public import PublicEntrypoints
from .entrypoints.review import ReviewEntrypoints
from .entrypoints.staff import StaffEntrypoints
from .entrypoints.static import StaticEntrypoints


class PortalService(PublicEntrypoints, StaffEntrypoints, InstitutionEntrypoints, MarketEntrypoints, ContractEntrypoints,
                    DisclosureEntrypoints, IncomeEntrypoints, ReviewEntrypoints, AdminEntrypoints, NotificationEntrypoints, AuthEntrypoints, StaticEntrypoints,
                    PortalHelpers, PlatformService):
    name = "portal"
    api_title = "TTP portal"
    api_description = ("Server-rendered pages in Chinese over the platform's services (text/html), signed in through "
                       "the identity service; the label catalogue at /api/v1/labels.")
    documents = DOCUMENTS
    runtime = Runtime()
    relay = None   # the portal publishes no events
    tokens = None  # it verifies no bearer tokens: people sign in through the identity service

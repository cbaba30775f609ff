"""The innovation service (创新载体与共享设施, plan 四(七)): shared facilities (instruments, pilot lines,
service platforms) and the requests for time on them; the incubation ladder (makerspaces to professional
parks), enterprises' entries and graduations, and the conversion-incubation rate; demonstration designations
(示范企业, 示范区, 产业化基地, transfer institutions: calls, applications, expert review, designation, annual
assessment, plan 四(一)2–3 and 四(三)3).

This module only composes the service. Its entrypoints live in ``innovation.entrypoints``, one mixin per area;
the work of each write in ``innovation.handlers``; the rules in ``innovation.facilities``,
``innovation.incubation`` and ``innovation.designations``. Expert panels come from the talent service's pool
over RPC (``talent``).
"""
from nameko.rpc import RpcProxy

from ttp_common.service_base import PlatformService

from .documents import (AchievementReplica, Booking, Carrier, Designation, DesignationApplication, DesignationCall,
                        Facility, Incubation, OrganizationReplica)
from .entrypoints.designations import DesignationEntrypoints
from .entrypoints.facilities import FacilityEntrypoints
from .entrypoints.incubation import IncubationEntrypoints
from .entrypoints.replica import ReplicaEntrypoints


class InnovationService(FacilityEntrypoints, IncubationEntrypoints, DesignationEntrypoints, ReplicaEntrypoints,
                        PlatformService):
    name = "innovation"
    api_title = "创新载体与共享设施 Innovation API"
    api_description = (
        "Shared facilities (共享设施: instruments, pilot lines, service platforms) with their owners and terms, "
        "enterprises' requests for time and their use; the incubation ladder (众创空间, 预孵化器, 孵化器, 加速器, "
        "专业园区) with enterprises' entries and graduations and the conversion-incubation rate "
        "(科技成果转化孵化率), plan 四(七); demonstration designations (示范企业, 示范区, 产业化基地 and regional, industry "
        "and international transfer institutions: annual calls with their criteria and weights, applications, the "
        "eligibility check, expert review from the talent pool without conflicts of interest, designation and the "
        "annual assessment), plan 四(一)2–3, 四(三)3.")
    documents = [Facility, Booking, Carrier, Incubation, DesignationCall, DesignationApplication, Designation,
                 OrganizationReplica, AchievementReplica]
    talent = RpcProxy("talent")  # the expert pool (talent.eligible_experts), called with a timeout (ttp_common.rpc)

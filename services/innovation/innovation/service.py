"""The innovation service (创新载体与共享设施, plan 四(七)): shared facilities (instruments, pilot lines,
service platforms) and the requests for time on them; the incubation ladder (makerspaces to professional
parks), enterprises' entries and graduations, and the conversion-incubation rate.

This module only composes the service. Its entrypoints live in ``innovation.entrypoints``, one mixin per area;
the work of each write in ``innovation.handlers``; the rules in ``innovation.facilities`` and
``innovation.incubation``.
"""
from ttp_common.service_base import PlatformService

from .documents import AchievementReplica, Booking, Carrier, Facility, Incubation, OrganizationReplica
from .entrypoints.facilities import FacilityEntrypoints
from .entrypoints.incubation import IncubationEntrypoints
from .entrypoints.replica import ReplicaEntrypoints


class InnovationService(FacilityEntrypoints, IncubationEntrypoints, ReplicaEntrypoints, PlatformService):
    name = "innovation"
    api_title = "创新载体与共享设施 Innovation API"
    api_description = (
        "Shared facilities (共享设施: instruments, pilot lines, service platforms) with their owners and terms, "
        "enterprises' requests for time and their use; the incubation ladder (众创空间, 预孵化器, 孵化器, 加速器, "
        "专业园区) with enterprises' entries and graduations and the conversion-incubation rate "
        "(科技成果转化孵化率), plan 四(七).")
    documents = [Facility, Booking, Carrier, Incubation, OrganizationReplica, AchievementReplica]

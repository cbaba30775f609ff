"""The talent service (人才队伍): people, technology brokers and their certification and performance,
training, experts and mentors, contributor rewards, transfer posts and talent programmes.

This module only composes the service. Its entrypoints live in ``talent.entrypoints``, one mixin per area
(people, training, brokers, experts, mentorships, rewards, the consumers of other services' events); the
service layer in ``talent.handlers``; the rules in people.py, training.py, certification.py, performance.py,
experts.py and rewards.py. The OpenAPI document is generated from the endpoint declarations.
"""
from ttp_common.service_base import PlatformService

from .documents import (AchievementReplica, Assignment, BrokerPerformance, Certificate, CertificateGuard,
                        ContractIncomeReplica, Enrolment, OrganizationReplica, Person, Post, Programme, RewardPlan)
from .entrypoints.brokers import BrokerEntrypoints
from .entrypoints.consumers import ConsumerEntrypoints
from .entrypoints.experts import ExpertEntrypoints
from .entrypoints.mentorships import MentorshipEntrypoints
from .entrypoints.people import PeopleEntrypoints
from .entrypoints.rewards import RewardEntrypoints
from .entrypoints.training import TrainingEntrypoints
from .migrations import key_posts


class TalentService(PeopleEntrypoints, TrainingEntrypoints, BrokerEntrypoints, ExpertEntrypoints,
                    MentorshipEntrypoints, RewardEntrypoints, ConsumerEntrypoints, PlatformService):
    name = "talent"
    api_title = "人才队伍 Talent API"
    api_description = (
        "People, technology brokers and their certification and performance, training, experts and mentors, "
        "contributor rewards, transfer posts and talent programmes (四(五) 人才队伍建设). Contact details and "
        "identity numbers never appear in public responses or events.")
    documents = [Person, Programme, Enrolment, Certificate, RewardPlan, Post, Assignment, AchievementReplica,
                 OrganizationReplica, BrokerPerformance, CertificateGuard, ContractIncomeReplica]
    migrations = [key_posts]

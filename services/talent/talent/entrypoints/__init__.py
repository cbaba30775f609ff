"""The talent service's entrypoints, one mixin class per area.

``talent.service.TalentService`` composes them with ``PlatformService``; nameko collects the entrypoints
(``@http`` through ``@endpoint``, ``@rpc``, ``@consume``) of the whole class hierarchy, so each method here
runs exactly as if it were written on the service class. Each is thin: it declares the operation, calls the
service layer (``talent.handlers``) in one transaction and shapes the answer.

- ``common``: the endpoint declaration talent uses, the answers' schema, RPC replies;
- ``people``: people (人才), their transfer posts and talent programme selections;
- ``training``: programmes, enrolment, attendance, assessment and completion (培训体系);
- ``brokers``: broker certification, certificates and performance (技术经纪人);
- ``experts``: the expert pool and review assignments (专家库);
- ``mentorships``: mentors paired with start-up teams (创业导师);
- ``rewards``: reward plans for contributors (奖励与报酬);
- ``consumers``: the transactions and registry events the service follows.
"""

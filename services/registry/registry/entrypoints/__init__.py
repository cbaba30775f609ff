"""The registry service's entrypoints, one mixin class per area.

``registry.service.RegistryService`` composes them with ``PlatformService``; nameko collects the
entrypoints (``@endpoint``, ``@rpc``, ``@timer``) and dependency providers of the whole class hierarchy, so
each method here runs exactly as if it were written on the service class. Entrypoints are thin: they read,
or call the work of a write in ``registry.handlers`` inside ``store.transact``.

- ``common``: the role sets and constants more than one area uses;
- ``organizations``: organizations and the accreditation (认定) of service institutions;
- ``achievements``: achievement registration (科技成果登记): drafts, bulk import, the lifecycle, the certificate;
- ``disclosures``: duty-achievement disclosures (职务科技成果披露), decisions, drafts from them, the overdue check;
- ``search``: the public query service (公益查询) and the published-achievement RPC;
- ``plan_projects``: plan projects (科技计划项目), tech reports, the overdue check;
- ``catalogues``: the dual-use catalogues (军民两用目录);
- ``annual_reports``: annual transformation reports (年度报告), their review, the missing-report check.
"""

"""The transactions service's entrypoints, one mixin class per area of the market.

``transactions.service.TransactionsService`` composes them with ``PlatformService``; nameko collects the
entrypoints (``@endpoint``, ``@rpc``, ``@timer``, ``@consume``) and dependency providers of the whole class
hierarchy, so each method here runs exactly as if it were written on the service class. Each entrypoint is
thin: it calls the service layer (``transactions.handlers``) in a transaction, or reads.

- ``common``: who may call, shared query fields, optional bodies;
- ``listings``: listings (挂牌);
- ``demands``: demands (需求);
- ``matches``: ranking and matches (供需对接);
- ``auctions``: English auctions (竞价拍卖) and bids;
- ``contracts``: technology contracts and their registration (技术合同认定登记), the turnover;
- ``income``: technical income verification (技术性收入核定), contract changes and cancellations;
- ``advisory``: valuations (评价评估) and consultations (咨询辅导);
- ``integration``: the registry replica consumer, the clock, RPC for other services.
"""

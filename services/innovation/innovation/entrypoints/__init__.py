"""The innovation service's entrypoints, one mixin class per area: ``facilities`` (shared facilities and the
requests for time on them), ``incubation`` (carriers, entries, graduations, rates) and ``replica`` (the
registry events the rules check against). Thin: they declare the operation and call ``innovation.handlers``."""

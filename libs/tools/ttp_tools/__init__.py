"""Developer and operator tooling of the platform, not shipped in the service images: the local-stack
launcher (``ttp-stack``), the AsyncAPI generator (``ttp-asyncapi``), the schema evolution check
(``ttp-schemas``), dead-letter inspection and re-drive (``ttp-dlq``) and development tokens (``ttp-token``)."""

"""Shared plumbing for the technology-transfer platform (TTP) services."""

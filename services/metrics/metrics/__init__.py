"""Metrics service: the plan's targets and their live progress (三 主要目标)."""

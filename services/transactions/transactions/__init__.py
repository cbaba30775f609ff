"""Transactions service: the online technology market (技术交易网络系统)."""

"""Talent service: brokers, training and rewards (人才队伍建设)."""

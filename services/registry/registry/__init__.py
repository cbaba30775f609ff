"""Registry service: organizations and achievements (科技成果信息汇交系统)."""

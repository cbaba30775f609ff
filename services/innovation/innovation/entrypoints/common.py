"""What the innovation entrypoints share: the answers' schema."""
RECORD = {"type": "object", "additionalProperties": True}

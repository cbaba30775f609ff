"""The local servers the tests talk to (the same defaults as ``ttp-stack``), and unique names on them."""
import os
import uuid

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/?directConnection=true")
AMQP_URI = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def unique(prefix="t"):
    return f"{prefix}{uuid.uuid4().hex[:10]}"

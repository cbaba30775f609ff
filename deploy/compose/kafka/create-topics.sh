#!/bin/sh
# Create every event topic of schemas/ (ttp.<service>.<aggregate>), its dead-letter topic and its
# compacted state topic (<topic>.state, as many partitions as the event topic: the delivery service's state
# keeper writes each aggregate's latest state to the partition of its events; docs/subscribers 7),
# replicated 3 times with min.insync.replicas 2. Idempotent: existing topics are left alone
# (raise partitions later with kafka-topics.sh --alter; never lower them).
set -eu
BIN=/opt/kafka/bin
topics=$(for f in /schemas/*.avsc; do basename "$f" | cut -d. -f1,2; done | sort -u)
for t in $topics; do
  "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "ttp.$t" \
    --partitions "$PARTITIONS" --replication-factor 3 --config min.insync.replicas=2
  "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "ttp.$t.dlq" \
    --partitions "$DLQ_PARTITIONS" --replication-factor 3 --config min.insync.replicas=2
  "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "ttp.$t.state" \
    --partitions "$PARTITIONS" --replication-factor 3 --config min.insync.replicas=2 --config cleanup.policy=compact \
    --config min.compaction.lag.ms=3600000
done
"$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --list

"""How a client authenticates to Kafka: the settings a cluster that requires it gives every service
(deploy/k8s: Strimzi's TLS listener with SCRAM-SHA-512 and a Kafka user per service).

The development broker takes plaintext only; what is checked here is that the settings become the options
kafka-python really takes (an unknown option makes its constructors fail) and that contradictory ones stop
a service at start-up instead of sending a password in the clear.
"""
import pytest
from kafka import KafkaConsumer, KafkaProducer

from ttp_common import kafka

SCRAM = {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_USERNAME": "ttp-registry",
         "KAFKA_SASL_PASSWORD": "from-the-kafka-user-secret"}


def test_the_development_broker_is_reached_in_plaintext_without_credentials():
    assert kafka.security({}) == {"security_protocol": "PLAINTEXT"}


def test_a_cluster_user_authenticates_with_scram_over_tls_against_the_cluster_ca(tmp_path):
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    options = kafka.security({**SCRAM, "KAFKA_SSL_CAFILE": str(ca)})
    assert options == {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512",
                       "sasl_plain_username": "ttp-registry", "sasl_plain_password": "from-the-kafka-user-secret",
                       "ssl_check_hostname": True, "ssl_cafile": str(ca)}


@pytest.mark.parametrize("client", [KafkaProducer, KafkaConsumer])
def test_kafka_python_takes_every_option_the_settings_give(client):
    # api_version given: the constructor opens no connection, but it refuses options it does not know.
    instance = client(bootstrap_servers="127.0.0.1:1", api_version=kafka.API_VERSION,
                      **kafka.security({**SCRAM, "KAFKA_SASL_MECHANISM": "scram-sha-256"}))
    instance.close()


@pytest.mark.parametrize("env, complaint", [
    ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSH"}, "KAFKA_SECURITY_PROTOCOL"),
    ({**SCRAM, "KAFKA_SASL_PASSWORD": ""}, "KAFKA_SASL_PASSWORD"),
    ({**SCRAM, "KAFKA_SASL_USERNAME": ""}, "KAFKA_SASL_USERNAME"),
    ({**SCRAM, "KAFKA_SASL_MECHANISM": "GSSAPI"}, "KAFKA_SASL_MECHANISM"),
    ({**SCRAM, "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM": "PLAIN"}, "SASL_SSL only"),
    ({"KAFKA_SASL_PASSWORD": "a secret"}, "no encryption"),
    ({**SCRAM, "KAFKA_SSL_CAFILE": "/nowhere/ca.crt"}, "not a file"),
])
def test_contradictory_settings_stop_the_service_and_never_echo_the_password(env, complaint):
    with pytest.raises(kafka.SecurityError, match=complaint) as refused:
        kafka.security(env)
    assert "from-the-kafka-user-secret" not in str(refused.value) and "a secret" not in str(refused.value)

"""The Kubernetes manifests (deploy/k8s), built with kustomize and validated against the
Kubernetes JSON schemas (kubernetes-validate, strict: unknown fields are errors).

Limit, stated plainly: the operators' custom resources (Strimzi Kafka/KafkaNodePool/KafkaTopic,
MongoDBCommunity, RabbitmqCluster, ServiceMonitor, PrometheusRule) are not in the Kubernetes schemas and their
CRD schemas are not vendored here; for those the test checks the fields the platform relies on.
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from _deploy import DEPLOYED, ISSUER, PORTS, REPO, SERVICES, SHARED_SECRET, image_steps, variables_read  # noqa: E402

K8S = REPO / "deploy" / "k8s"
KAFKA_CA = "ttp-kafka-cluster-ca-cert"  # Strimzi's Secret of the cluster CA
PUBLIC_TOPICS = {f"ttp.{p.name.split('.')[0]}.{p.name.split('.')[1]}" for p in (REPO / "schemas").glob("*.avsc")}
KUBERNETES_VERSION = "1.32.0"  # the kubectl of this machine kind; the schemas ship with kubernetes-validate
CUSTOM_KINDS = {
    ("kafka.strimzi.io/v1beta2", "Kafka"), ("kafka.strimzi.io/v1beta2", "KafkaNodePool"),
    ("kafka.strimzi.io/v1beta2", "KafkaTopic"), ("kafka.strimzi.io/v1beta2", "KafkaUser"),
    ("mongodbcommunity.mongodb.com/v1", "MongoDBCommunity"),
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"), ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
}


def load_kustomization(directory, namespace=None):
    """A minimal stand-in for `kustomize build` (resources and namespace only) when kubectl is missing."""
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    namespace = spec.get("namespace", namespace)
    docs = []
    for entry in spec["resources"]:
        path = directory / entry
        docs += load_kustomization(path, namespace) if path.is_dir() else \
            [d for d in yaml.safe_load_all(path.read_text()) if d]
    for doc in docs:
        if namespace and doc["kind"] != "Namespace":
            doc["metadata"]["namespace"] = namespace
    return docs


@pytest.fixture(scope="module")
def manifests():
    if shutil.which("kubectl"):
        result = subprocess.run(["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    else:
        docs = load_kustomization(K8S)
    return docs


def of_kind(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def test_generated_manifests_are_up_to_date():
    result = subprocess.run([sys.executable, str(K8S / "generate.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_builtin_resource_is_valid_for_kubernetes_and_the_rest_are_known_operator_kinds(manifests):
    custom = []
    for doc in manifests:
        if (doc["apiVersion"], doc["kind"]) in CUSTOM_KINDS:
            custom.append(doc)
            continue
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        assert doc["kind"] == "Namespace" or doc["metadata"]["namespace"] == "ttp"
    assert {d["kind"] for d in custom} == {k for _, k in CUSTOM_KINDS}


def test_the_validator_does_reject_a_broken_deployment(manifests):
    broken = yaml.safe_load(yaml.safe_dump(of_kind(manifests, "Deployment")["registry"]))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/health"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_each_service_has_probes_resources_autoscaler_budget_and_scraping(manifests):
    deployments, hpas = of_kind(manifests, "Deployment"), of_kind(manifests, "HorizontalPodAutoscaler")
    pdbs, monitors = of_kind(manifests, "PodDisruptionBudget"), of_kind(manifests, "ServiceMonitor")
    services, config = of_kind(manifests, "Service"), of_kind(manifests, "ConfigMap")["ttp-config"]
    scrape = yaml.safe_load((REPO / "deploy" / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    local_jobs = {job["job_name"] for job in scrape["scrape_configs"]}
    partitions = {d["spec"]["partitions"] for d in of_kind(manifests, "KafkaTopic").values()
                  if not d["spec"]["topicName"].endswith(".dlq")}
    for name in DEPLOYED:
        pod = deployments[name]["spec"]["template"]
        [container] = pod["spec"]["containers"]
        for probe in ("readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}
        assert container["ports"] == [{"name": "http", "containerPort": PORTS[name], "protocol": "TCP"}]
        assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
        assert container["image"] == f"ttp/{name}:1.0.0"
        _, image = image_steps(name)  # what deploy/Dockerfile builds for it: the port it exposes, its user
        assert [v for n, v in image if n == "EXPOSE"] == [str(container["ports"][0]["containerPort"])]
        assert pod["spec"]["securityContext"]["runAsUser"] == int([v for n, v in image if n == "USER"][-1])
        assert pod["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
        assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(PORTS[name])
        assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
        # configuration only through variables the service reads
        env = {e["name"] for e in container["env"]} | set(config["data"])
        assert env <= variables_read(name), sorted(env - variables_read(name))
        assert hpas[name]["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert 2 <= hpas[name]["spec"]["minReplicas"] <= hpas[name]["spec"]["maxReplicas"] <= min(partitions)
        assert pdbs[name]["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}
        assert services[name]["spec"]["ports"][0]["port"] == PORTS[name]
        assert monitors[name]["spec"]["endpoints"][0]["path"] == "/metrics"
        # the job label the alert rules and dashboards select (up{job=~"ttp-.*"}), as on the local Prometheus
        relabel = {r["targetLabel"]: r["replacement"] for r in monitors[name]["spec"]["endpoints"][0]["relabelings"]}
        assert re.fullmatch(f"ttp-{name}", relabel["job"]) and (name == ISSUER or relabel["job"] in local_jobs)


def test_every_service_trusts_the_identity_service_which_alone_has_signing_keys(manifests):
    deployments, config = of_kind(manifests, "Deployment"), of_kind(manifests, "ConfigMap")["ttp-config"]
    assert config["data"]["OIDC_ISSUER"] == f"http://{ISSUER}:{PORTS[ISSUER]}"  # its Service, in the namespace
    assert of_kind(manifests, "Service")[ISSUER]["spec"]["ports"][0]["port"] == PORTS[ISSUER]
    for name in DEPLOYED:
        pod = deployments[name]["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert container["envFrom"] == [{"configMapRef": {"name": "ttp-config"}}]  # OIDC_ISSUER
        env = {e["name"]: e for e in container["env"]}
        assert "OIDC_ISSUER" not in env and not [n for n in env if SHARED_SECRET.search(n)], name
        secrets = {v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
        assert secrets == ({"identity-keys", KAFKA_CA} if name == ISSUER else {KAFKA_CA}), name
    pod = deployments[ISSUER]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    env = {e["name"]: e for e in container["env"]}
    # its iss is the URL the others verify against, from the same ConfigMap entry
    assert env["IDENTITY_ISSUER"]["valueFrom"]["configMapKeyRef"] == {"name": "ttp-config", "key": "OIDC_ISSUER"}
    [keys] = [v for v in pod["volumes"] if "secret" in v and v["secret"]["secretName"] == "identity-keys"]
    [mount] = [m for m in container["volumeMounts"] if m["name"] == keys["name"]]
    assert mount["readOnly"] is True and env["IDENTITY_KEY_DIR"]["value"] == mount["mountPath"]
    # readable by the service's group only (fsGroup), never by others
    assert keys["secret"]["defaultMode"] & 0o007 == 0 and keys["secret"]["defaultMode"] & 0o040
    assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsGroup"]
    assert env["IDENTITY_SEED_FILE"]["value"] == ""  # no development accounts
    assert env["MONGO_URI"]["valueFrom"]["secretKeyRef"]["name"] == "ttp-identity-mongodb-uri"


def test_the_portal_calls_the_services_by_name_with_its_client_secret_from_a_secret_and_optional_email(manifests):
    [container] = of_kind(manifests, "Deployment")["portal"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    for name in ("registry", "transactions", "finance", "talent", "metrics"):
        assert env[f"PORTAL_{name.upper()}_URL"]["value"] == f"http://{name}:{PORTS[name]}"
    assert env["PORTAL_CLIENT_SECRET"]["valueFrom"]["secretKeyRef"] == {"name": "portal-oidc-client",
                                                                       "key": "client-secret"}
    assert env["PORTAL_SECURE_COOKIES"]["value"] == "true"
    public = env["PORTAL_PUBLIC_URL"]["valueFrom"]["configMapKeyRef"]
    assert of_kind(manifests, "ConfigMap")[public["name"]]["data"][public["key"]].startswith("https://")
    smtp = [e for n, e in env.items() if n.startswith("PORTAL_SMTP_")]
    assert len(smtp) == 6 and all(next(iter(e["valueFrom"].values()))["optional"] is True for e in smtp)
    assert "PORTAL_IDENTITY_URL" not in env  # the issuer of ttp-config (OIDC_ISSUER)


def test_no_manifest_names_a_shared_signing_secret(manifests):
    generated = [d for path in (K8S / "jobs").glob("*.yaml") for d in yaml.safe_load_all(path.read_text()) if d]
    text = yaml.safe_dump_all(manifests + generated)
    assert not SHARED_SECRET.search(text), SHARED_SECRET.findall(text)


def test_kafka_is_kraft_with_rf3_min_isr2_and_every_topic_is_declared_for_scale_out(manifests):
    [kafka] = of_kind(manifests, "Kafka").values()
    assert kafka["metadata"]["annotations"]["strimzi.io/kraft"] == "enabled"
    config = kafka["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == 3 and config["min.insync.replicas"] == 2
    assert config["auto.create.topics.enable"] is False
    [pool] = of_kind(manifests, "KafkaNodePool").values()
    assert pool["spec"]["replicas"] == 3 and set(pool["spec"]["roles"]) == {"controller", "broker"}

    expected = {f"ttp.{p.name.split('.')[0]}.{p.name.split('.')[1]}" for p in (REPO / "schemas").glob("*.avsc")}
    topics = {d["spec"]["topicName"]: d for d in of_kind(manifests, "KafkaTopic").values()}
    assert set(topics) == expected | {f"{t}.dlq" for t in expected} | {f"{t}.state" for t in expected}
    for name, topic in topics.items():
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", topic["metadata"]["name"])
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
        assert topic["spec"]["replicas"] == 3 and topic["spec"]["config"]["min.insync.replicas"] == 2
        assert topic["spec"]["partitions"] == (3 if name.endswith(".dlq") else 12)  # a state topic: as its events'
        # events and dead letters kept by time; a state topic keeps the latest record per aggregate (docs/subscribers 7)
        assert topic["spec"]["config"]["cleanup.policy"] == ("compact" if name.endswith(".state") else "delete")


def test_the_metrics_rebuild_job_is_valid_and_runs_with_the_service_environment(manifests):
    [job] = [d for d in yaml.safe_load_all((K8S / "jobs" / "metrics-rebuild.yaml").read_text()) if d]
    kubernetes_validate.validate(job, KUBERNETES_VERSION, strict=True)
    [container] = job["spec"]["template"]["spec"]["containers"]
    service = of_kind(manifests, "Deployment")["metrics"]["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == service["env"] and container["image"] == service["image"]
    assert container["command"][:3] == ["python", "-m", "metrics.rebuild"]


def test_the_tools_pod_is_valid_and_runs_the_tools_image_with_what_the_commands_read(manifests):
    [pod] = [d for d in yaml.safe_load_all((K8S / "jobs" / "tools.yaml").read_text()) if d]
    kubernetes_validate.validate(pod, KUBERNETES_VERSION, strict=True)
    [container] = pod["spec"]["containers"]
    assert container["image"] == "ttp/tools:1.0.0"  # deploy/Dockerfile --target tools: no service image has them
    tools_user = [v for n, v in image_steps("registry")[1] if n == "USER"][0]  # the tools stage comes first
    assert pod["spec"]["securityContext"]["runAsUser"] == int(tools_user)
    env = {e["name"]: e for e in container["env"]}
    assert env["KAFKA_SASL_USERNAME"]["value"] == "ttp-operator"  # not a service's user
    assert {f"{name.upper()}_MONGO_DB" for name in SERVICES} <= set(env)  # ttp-stack replay
    assert "MONGO_URI" in env  # replay; ttp-dlq reads the ConfigMap's Kafka, ttp-token its OIDC_ISSUER
    assert not [n for n in env if SHARED_SECRET.search(n)] and "volumes" not in container  # no key, no secret
    registry = of_kind(manifests, "Deployment")["registry"]["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == registry["envFrom"]
    assert env["MONGO_URI"] == next(e for e in registry["env"] if e["name"] == "MONGO_URI")


def test_the_prometheus_rules_are_those_of_deploy_prometheus(manifests):
    [rule] = of_kind(manifests, "PrometheusRule").values()
    assert rule["spec"]["groups"] == yaml.safe_load((REPO / "deploy/prometheus/rules.yml").read_text())["groups"]


def test_mongodb_and_rabbitmq_clusters_feed_the_secrets_the_services_read(manifests):
    [mongo] = of_kind(manifests, "MongoDBCommunity").values()
    assert mongo["spec"]["members"] == 3 and mongo["spec"]["type"] == "ReplicaSet"
    users = {u["name"]: u for u in mongo["spec"]["users"]}
    assert set(users) == {"ttp", ISSUER}
    assert users["ttp"]["connectionStringSecretName"] == "ttp-mongodb-uri"
    assert {r["db"] for r in users["ttp"]["roles"]} == {f"ttp_{s}" for s in SERVICES}
    # identity's own user: the security audit insert-and-find only (docs/operations.md 7.2)
    assert users[ISSUER]["connectionStringSecretName"] == "ttp-identity-mongodb-uri"
    [role] = [r for r in mongo["spec"]["security"]["roles"] if r["role"] == "ttpIdentityService"]
    assert users[ISSUER]["roles"] == [{"name": role["role"], "db": role["db"]}] and role["db"] == "ttp_identity"
    audit = [p for p in role["privileges"] if p["resource"] == {"db": "ttp_identity", "collection": "security_audit"}]
    assert [set(p["actions"]) for p in audit] == [{"find", "insert", "createIndex", "listIndexes"}]
    assert all(p["resource"]["db"] == "ttp_identity" for p in role["privileges"])
    database_wide = {a for p in role["privileges"] if p["resource"]["collection"] == "" for a in p["actions"]}
    assert database_wide <= {"listCollections", "createCollection"}  # nothing that would reach the audit
    [rabbit] = of_kind(manifests, "RabbitmqCluster").values()
    assert rabbit["spec"]["replicas"] == 3
    container = of_kind(manifests, "Deployment")["metrics"]["spec"]["template"]["spec"]["containers"][0]
    secrets = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}
    assert secrets["MONGO_URI"] == {"name": "ttp-mongodb-uri", "key": "connectionString.standard"}
    assert secrets["AMQP_URI"]["name"] == "ttp-amqp"
    # and Strimzi's Secret of the service's Kafka user; nothing else
    assert set(secrets) == {"MONGO_URI", "AMQP_URI", "KAFKA_SASL_PASSWORD"}


# -- Kafka access: who may read and write what (issue 20 item 6) ---------------------------------------------
# Tansu, the development broker, has no ACLs and keeps no SCRAM users on its file storage, so what these
# manifests grant is checked here, on the manifests; the broker that enforces it is Strimzi's, in deployment.

def acls_of(user):
    return [(a["resource"]["type"], a["resource"]["name"], a["resource"]["patternType"], set(a["operations"]))
            for a in user["spec"]["authorization"]["acls"]]


def test_every_kafka_listener_authenticates_and_the_users_acls_apply_with_no_super_user(manifests):
    [kafka] = of_kind(manifests, "Kafka").values()
    listeners = kafka["spec"]["kafka"]["listeners"]
    assert listeners and all(l["tls"] and l["authentication"] == {"type": "scram-sha-512"} for l in listeners)
    assert kafka["spec"]["kafka"]["authorization"] == {"type": "simple"}  # no superUsers, no ANONYMOUS
    config = of_kind(manifests, "ConfigMap")["ttp-config"]
    assert config["data"]["KAFKA_BOOTSTRAP"].endswith(":9093") and {l["port"] for l in listeners} >= {9093}
    for user in of_kind(manifests, "KafkaUser").values():
        assert user["spec"]["authentication"] == {"type": "scram-sha-512"}
        assert user["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
        for kind, name, pattern, operations in acls_of(user):
            assert kind in ("topic", "group") and "All" not in operations, (user["metadata"]["name"], name)


def test_each_service_connects_as_its_own_kafka_user_that_writes_only_its_own_topics(manifests):
    deployments, users = of_kind(manifests, "Deployment"), of_kind(manifests, "KafkaUser")
    for name in DEPLOYED:
        [container] = deployments[name]["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e for e in container["env"]}
        assert env["KAFKA_SECURITY_PROTOCOL"]["value"] == "SASL_SSL"
        assert env["KAFKA_SASL_USERNAME"]["value"] == f"ttp-{name}"
        assert env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": f"ttp-{name}", "key": "password"}
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        assert env["KAFKA_SSL_CAFILE"]["value"].rsplit("/", 1)[0] in mounts
        acls = acls_of(users[f"ttp-{name}"])
        read = {n for k, n, _, ops in acls if k == "topic" and "Read" in ops}
        written = {n for k, n, _, ops in acls if k == "topic" and "Write" in ops}
        assert all(p == "literal" for k, _, p, _ in acls if k == "topic")
        assert read <= PUBLIC_TOPICS
        # its own events, and the dead-letter topics of what it reads: nothing of another service's; the state
        # keeper (delivery) every state topic
        states = {f"{t}.state" for t in PUBLIC_TOPICS} if name == "delivery" else set()
        assert written == {t for t in PUBLIC_TOPICS if t.startswith(f"ttp.{name}.")} | {f"{t}.dlq" for t in read} | states
        groups = [(n, p) for k, n, p, _ in acls if k == "group"]
        assert groups == ([(f"ttp.{name}.", "prefix")] if read else [])
    read_by = {name: {n for k, n, _, ops in acls_of(users[f"ttp-{name}"]) if "Read" in ops} for name in DEPLOYED}
    assert read_by["registry"] == {"ttp.registry.achievement", "ttp.registry."}  # its own events (the search read
    # model) in its own groups
    assert {"ttp.registry.achievement"} <= read_by["transactions"]
    assert {"ttp.transactions.contract", "ttp.registry.organization"} <= read_by["metrics"]


def test_a_subscribing_system_reads_the_public_topics_only_and_writes_nothing():
    [user] = [d for d in yaml.safe_load_all((K8S / "subscribers" / "kafka-user-example.yaml").read_text()) if d]
    assert user["kind"] == "KafkaUser" and user["metadata"]["namespace"] == "ttp"
    name = user["metadata"]["name"]
    acls = acls_of(user)
    assert {n for k, n, p, ops in acls if k == "topic" and p == "literal" and ops == {"Read", "Describe"}} \
        == PUBLIC_TOPICS | {f"{t}.state" for t in PUBLIC_TOPICS}  # every public topic and its state, no dead letters
    assert len(acls) == 2 * len(PUBLIC_TOPICS) + 1  # and nothing else but its own consumer groups:
    assert [(n, p, ops) for k, n, p, ops in acls if k == "group"] == [(f"{name}.", "prefix", {"Read", "Describe"})]
    assert user["spec"]["quotas"]["consumerByteRate"] > 0


def test_the_schema_registry_and_the_tools_have_users_of_their_own(manifests):
    users = of_kind(manifests, "KafkaUser")
    registry = of_kind(manifests, "Deployment")["schema-registry"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value", e.get("valueFrom")) for e in registry["env"]}
    assert env["SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS"].startswith("SASL_SSL://")
    assert env["SCHEMA_REGISTRY_KAFKASTORE_SASL_JAAS_CONFIG"]["secretKeyRef"]["name"] == "ttp-schema-registry"
    assert {n for _, n, _, _ in acls_of(users["ttp-schema-registry"])} == {"_schemas", "schema-registry"}
    operator = acls_of(users["ttp-operator"])
    assert {(k, n, p) for k, n, p, _ in operator} == {("topic", "ttp.", "prefix"), ("group", "ttp.", "prefix")}


def test_committed_offsets_outlive_a_month_without_members_in_both_deployments(manifests):
    [kafka] = of_kind(manifests, "Kafka").values()
    minutes = kafka["spec"]["kafka"]["config"]["offsets.retention.minutes"]
    compose = yaml.safe_load((REPO / "deploy" / "compose" / "compose.yaml").read_text(encoding="utf-8"))
    assert int(compose["x-kafka-env"]["KAFKA_OFFSETS_RETENTION_MINUTES"]) == minutes >= 30 * 24 * 60
    # the operations guide states the figure it explains
    assert f"offsets.retention.minutes` ({minutes}" in (REPO / "docs" / "operations.md").read_text(encoding="utf-8")

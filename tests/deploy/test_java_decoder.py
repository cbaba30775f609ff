"""The Java half of the subscriber kit: examples/subscriber/java/TtpDecode.java (the decoding code of
docs/subscribers/README.md section 4) compiled with javac and run on real payloads with Apache Avro for
Java (Debian's libavro-java, installed by `make system-deps`): events a running registry published, and
one written with an older revision of its schema, read into the current one."""
import io
import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import fastavro
import pytest

from ttp_common.avro import SINGLE_OBJECT_MAGIC, schema_fingerprint
from ttp_common.paths import REPO_ROOT
from ttp_common.reference import uscc_check_character
from ttp_testing import read_topic, running_service

pytestmark = pytest.mark.integration

SOURCE = REPO_ROOT / "examples" / "subscriber" / "java" / "TtpDecode.java"
JARS = [Path("/usr/share/java") / jar for jar in ("avro.jar", "jackson-core-asl.jar", "jackson-mapper-asl.jar",
                                                   "slf4j-api.jar")]
REGISTERED = "registry.organization.registered.v1"


@pytest.fixture(scope="module")
def decoder(tmp_path_factory):
    """The compiled example: a function running it on {ce_type: payload} and giving {ce_type: record}."""
    missing = [str(jar) for jar in JARS if not jar.exists()] + [tool for tool in ("javac", "java") if not shutil.which(tool)]
    assert not missing, f"run `make system-deps` (Debian libavro-java, a JDK): missing {missing}"
    build = tmp_path_factory.mktemp("java")
    classpath = ":".join(map(str, JARS))
    subprocess.run(["javac", "-cp", classpath, "-d", str(build), str(SOURCE)], check=True, timeout=120)

    def decode(payloads):
        args = []
        for n, (ce_type, payload) in enumerate(payloads):
            path = build / f"payload-{n}.bin"
            path.write_bytes(payload)
            args.append(f"{ce_type}={path}")
        proc = subprocess.run(["java", "-cp", f"{classpath}:{build}", "TtpDecode", str(REPO_ROOT / "schemas"), *args],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return [(line.split("\t", 1)[0], json.loads(line.split("\t", 1)[1])) for line in proc.stdout.splitlines()]

    return decode


def test_the_java_example_decodes_what_a_running_service_published(decoder):
    from registry.service import RegistryService

    with running_service(RegistryService) as registry:
        first17 = f"91510700MA{random.randrange(10**7):07d}"
        credit_code = first17 + uscc_check_character(first17)
        response = registry.post("/api/v1/organizations", {
            "name": "绵阳科技城技术转移中心", "credit_code": credit_code, "kind": "service_institution",
            "region_code": "510700", "supervising_department": "科技厅"}, token=registry.token("admin"))
        assert response.status_code == 201, response.text
        org_id = response.json()["id"]
        [record] = read_topic(registry.config["KAFKA_TOPIC_PREFIX"] + "ttp.registry.organization",
                              lambda r: r.key == org_id.encode())
    ce_type = dict(record.headers)["ce_type"].decode()
    assert decoder([(ce_type, record.value)]) == [(ce_type, {
        "organization_id": org_id, "name": "绵阳科技城技术转移中心", "credit_code": credit_code,
        "kind": "service_institution", "region_code": "510700", "supervising_department": "科技厅",
        "state_established": None})]


def test_the_java_example_reads_an_older_revision_into_the_current_schema(decoder):
    """Revision 1 of organization.registered had no supervising_department (nor state_established, revision 3):
    Java fills in the defaults."""
    r1 = json.loads((REPO_ROOT / "schemas" / "revisions" / REGISTERED / "r1.avsc").read_text(encoding="utf-8"))
    writer = fastavro.parse_schema(r1)
    assert "supervising_department" not in {f["name"] for f in r1["fields"]}
    data = {"organization_id": "o-r1", "name": "四川大学", "credit_code": "91510100MA6D00001B", "kind": "university",
            "region_code": "510100"}
    body = io.BytesIO()
    fastavro.schemaless_writer(body, writer, data)
    payload = SINGLE_OBJECT_MAGIC + schema_fingerprint(writer) + body.getvalue()
    ce_type = f"cn.gov.sc.ttp.{REGISTERED}"
    assert decoder([(ce_type, payload)]) == [(ce_type, {**data, "supervising_department": None,
                                                        "state_established": None})]


def test_the_guide_shows_the_decoding_code_that_is_compiled_here():
    def decoders_method(text):
        return re.search(r"  /\*\* One decoder per event type.*?\n  }\n", text, re.S).group(0)

    guide = (REPO_ROOT / "docs" / "subscribers" / "README.md").read_text(encoding="utf-8")
    assert decoders_method(guide) == decoders_method(SOURCE.read_text(encoding="utf-8"))

"""The AsyncAPI event catalogue (docs/asyncapi.yaml) is generated from schemas/ and kept current."""

import yaml

from ttp_common import paths
from ttp_common.avro import SchemaRepository, event_topic, event_type
from ttp_tools.asyncapi import generate, main, render

DOC = paths.REPO_ROOT / "docs" / "asyncapi.yaml"


def resolve(document, ref):
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_checked_in_catalogue_is_current():
    assert DOC.exists(), "run: ttp-asyncapi --output docs/asyncapi.yaml"
    assert DOC.read_text(encoding="utf-8") == render(), "stale; run: ttp-asyncapi --output docs/asyncapi.yaml"


def test_output_is_deterministic():
    assert render() == render()


def test_every_schema_is_in_the_catalogue():
    document = yaml.safe_load(DOC.read_text(encoding="utf-8"))
    repository = SchemaRepository()
    assert document["asyncapi"] == "3.0.0"
    assert document["servers"]["local"] == {"host": "127.0.0.1:9092", "protocol": "kafka",
                                            "description": document["servers"]["local"]["description"]}
    for name in repository.names():
        topic = event_topic(name)
        message = document["components"]["messages"][name]
        assert message["contentType"] == "application/avro"
        assert message["payload"]["schemaFormat"] == "application/vnd.apache.avro+json;version=1.9.0"
        assert message["payload"]["schema"] == repository.raw(name)
        assert message["headers"]["properties"]["ce_type"]["const"] == event_type(name)
        assert "ce_id" in message["headers"]["required"]
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
        for channel in (topic, f"{topic}.dlq"):
            assert document["channels"][channel]["address"] == channel
            assert resolve(document, document["channels"][channel]["messages"][name]["$ref"]) == message
        operation = document["operations"][f"send.{name}"]
        assert operation["action"] == "send"
        assert resolve(document, operation["channel"]["$ref"]) is document["channels"][topic]
        assert resolve(document, operation["messages"][0]["$ref"]) == {"$ref": f"#/components/messages/{name}"}
        assert operation["tags"] == [{"name": name.split(".")[0]}]


def test_catalogue_keeps_chinese_readable():
    text = DOC.read_text(encoding="utf-8")
    assert "四川省科技成果转移转化平台" in text and "\\u" not in text


def test_cli_output_and_check(tmp_path, capsys):
    out = tmp_path / "asyncapi.yaml"
    assert main(["--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render()
    assert main(["--check", str(out)]) == 0

    out.write_text(out.read_text(encoding="utf-8").replace("3.0.0", "2.6.0"), encoding="utf-8")
    assert main(["--check", str(out)]) == 1
    assert "not current" in capsys.readouterr().err
    assert main(["--check", str(tmp_path / "missing.yaml")]) == 1


def test_cli_reads_another_schema_directory(tmp_path, capsys):
    source = paths.SCHEMAS_DIR / "metrics.task.updated.v1.avsc"
    (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["--schemas", str(tmp_path)]) == 0
    document = yaml.safe_load(capsys.readouterr().out)
    assert list(document["components"]["messages"]) == ["metrics.task.updated.v1"]
    assert list(document["channels"]) == ["ttp.metrics.task", "ttp.metrics.task.dlq"]
    assert generate(tmp_path) == document

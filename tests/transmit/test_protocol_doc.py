"""docs/protocol.yaml is OpenAPI 3.1 and describes what the reference service and the client really do: every
path, method and status the intake service answers is documented, and the documented receipt is what the client
accepts. It is linted strictly: YAML structure and duplicate keys (yamllint, warnings are failures), the OpenAPI
3.1 rules (openapi-spec-validator)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.conftest import REPO

PATH = REPO / "docs" / "protocol.yaml"
SPEC: dict[str, Any] = yaml.safe_load(PATH.read_text(encoding="utf-8"))
YAMLLINT = """
extends: default
rules:
  line-length: {max: 120}
  key-duplicates: enable
  truthy: {check-keys: true}
"""


def test_yaml_lints_strictly() -> None:
    from yamllint import config, linter

    problems = list(linter.run(PATH.read_text(encoding="utf-8"), config.YamlLintConfig(YAMLLINT), str(PATH)))
    assert [f"{p.line}:{p.column} {p.level} {p.message}" for p in problems] == []


def test_yamllint_catches_what_the_validators_missed() -> None:
    """The old mistake: an unquoted comma inside a flow mapping (PyYAML reads a bogus key), and a duplicate key."""
    from yamllint import config, linter

    broken = "---\nschema: {type: string, description: UTC, ISO 8601.}\nschema: {type: string}\n"
    problems = list(linter.run(broken, config.YamlLintConfig(YAMLLINT)))
    assert any("duplication" in p.message for p in problems)
    assert yaml.safe_load(broken.split("\n")[1]) == {
        "schema": {"type": "string", "description": "UTC", "ISO 8601.": None}
    }


def test_is_valid_openapi_31() -> None:
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator

    validate(SPEC, cls=OpenAPIV31SpecValidator)


def test_no_mapping_has_a_key_that_yaml_made_up() -> None:
    """Every description is text and no schema has a member PyYAML invented from stray punctuation."""

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                assert (isinstance(k, str) and " " not in k.strip("/{}")) or where.endswith("examples"), (
                    where,
                    k,
                )
                if k == "description":
                    assert isinstance(v, str), where
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")

    walk(SPEC, "")


def test_every_array_has_items() -> None:
    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            kind = node.get("type")
            if kind == "array" or (isinstance(kind, list) and "array" in kind):
                assert "items" in node, where
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")

    walk(SPEC, "")


def test_the_routes_are_the_documented_paths_and_methods() -> None:
    from intake.endpoints import ROUTER

    served = {r.template.replace(":path}", "}"): {m.lower() for m in r.methods} for r in ROUTER.resources}
    documented = {path: set(ops) for path, ops in SPEC["paths"].items()}
    assert served == documented


def test_keys_and_ids_have_the_uuid_pattern_the_service_checks() -> None:
    import re

    from intake.service import UUID_PATTERN, is_canonical_uuid, parse_key

    key = _resolve(SPEC["paths"]["/v1/requests"]["post"]["parameters"][0])["schema"]
    request_id = SPEC["components"]["schemas"]["RequestId"]
    assert request_id["pattern"] == UUID_PATTERN
    assert key["pattern"] == '^"' + UUID_PATTERN[1:-1] + '"$'
    for example in key["examples"]:
        assert re.fullmatch(key["pattern"][1:-1], example) and parse_key(example) == example.strip('"')
    assert is_canonical_uuid("4f9c1a3e-2b7d-4c56-9a0e-6f1d2c3b4a59")


def test_is_openapi_31_with_bearer_security() -> None:
    assert SPEC["openapi"] == "3.1.0"
    assert SPEC["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": SPEC["components"]["securitySchemes"]["bearer"]["description"],
    }
    assert SPEC["security"] == [{"bearer": []}]


def _resolve(node: Any) -> Any:
    if isinstance(node, dict) and "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return target
    return node


def test_every_reference_resolves() -> None:
    refs = re.findall(r'\$ref: "([^"]+)"', PATH.read_text(encoding="utf-8"))
    assert refs
    for ref in refs:
        assert _resolve({"$ref": ref}) is not None


def test_documents_what_the_service_answers() -> None:
    paths = SPEC["paths"]
    post = paths["/v1/requests"]["post"]
    assert {"200", "201", "400", "401", "409", "411", "413", "415", "422", "429", "500", "503"} <= set(
        post["responses"]
    )
    assert _resolve(post["parameters"][0])["name"] == "Idempotency-Key"
    assert "Retry-After" in _resolve(post["responses"]["429"])["headers"]
    assert "Retry-After" in _resolve(post["responses"]["503"])["headers"]
    status = paths["/v1/requests/{id}"]["get"]
    assert {"200", "400", "401", "404"} <= set(status["responses"])
    states = SPEC["components"]["schemas"]["RequestStatus"]["properties"]["state"]["enum"]
    from intake.db import STATES

    assert sorted(states) == sorted(STATES)
    assert {"200", "401"} <= set(paths["/v1/forms"]["get"]["responses"])


def test_receipt_schema_matches_the_service() -> None:
    receipt = SPEC["components"]["schemas"]["Receipt"]
    assert set(receipt["required"]) == {"confirmation", "received_at", "request_id"}
    problem = SPEC["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert {"code", "message", "errors"} <= set(problem["properties"])
    error = SPEC["components"]["schemas"]["FieldError"]
    assert set(error["required"]) == {"field", "code", "message"}

"""docs/protocol.yaml is OpenAPI 3.1 and describes what the reference service and the client really do: every
path, method and status the intake service answers is documented, and the documented receipt is what the client
accepts."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.conftest import REPO

SPEC: dict[str, Any] = yaml.safe_load((REPO / "docs" / "protocol.yaml").read_text(encoding="utf-8"))


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
    refs = re.findall(r'\$ref: "([^"]+)"', (REPO / "docs" / "protocol.yaml").read_text(encoding="utf-8"))
    assert refs
    for ref in refs:
        assert _resolve({"$ref": ref}) is not None


def test_documents_what_the_service_answers() -> None:
    paths = SPEC["paths"]
    post = paths["/v1/requests"]["post"]
    assert {"200", "201", "400", "401", "409", "411", "413", "422", "429", "500", "503"} <= set(
        post["responses"]
    )
    assert _resolve(post["parameters"][0])["name"] == "Idempotency-Key"
    assert "Retry-After" in _resolve(post["responses"]["429"])["headers"]
    assert "Retry-After" in _resolve(post["responses"]["503"])["headers"]
    status = paths["/v1/requests/{id}"]["get"]
    assert {"200", "401", "404"} <= set(status["responses"])
    states = SPEC["components"]["schemas"]["RequestStatus"]["properties"]["state"]["enum"]
    from intake.db import STATES

    assert sorted(states) == sorted(STATES)
    assert {"200", "401"} <= set(paths["/v1/forms"]["get"]["responses"])


def test_receipt_schema_matches_the_service() -> None:
    receipt = SPEC["components"]["schemas"]["Receipt"]
    assert set(receipt["required"]) == {"confirmation", "received_at", "request_id"}
    error = SPEC["components"]["schemas"]["FieldError"]
    assert set(error["required"]) == {"field", "code", "message"}

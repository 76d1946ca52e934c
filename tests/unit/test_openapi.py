"""The OpenAPI document says what the server does: statuses, problem+json, security, patterns."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.api.routes.cases import _states
from backend.core.problems import Invalid
from backend.domain.gridcode import InvalidGridCode, parse_grid_code
from backend.main import create_app
from backend_client.vocab import CaseState

PREFIX = "/api/v1"
OPEN311 = "/open311/v2"
PUBLIC = {("get", f"{PREFIX}/health"), ("get", f"{PREFIX}/time")}
PROBLEM_REF = "#/components/schemas/Problem"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    spec: dict[str, Any] = create_app().openapi()
    return spec


def operations(
    doc: dict[str, Any], prefix: str = PREFIX
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """The native API's operations (or, with ``prefix=OPEN311``, the façade's, whose
    errors are the Open311 standard's and whose key is a parameter)."""
    for path, item in doc["paths"].items():
        if not path.startswith(prefix):
            continue
        for method, operation in item.items():
            yield method, path, operation


def parameter(operation: dict[str, Any], name: str) -> dict[str, Any]:
    found = [p for p in operation.get("parameters", []) if p["name"].lower() == name.lower()]
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def test_bearer_scheme_and_every_authenticated_operation_requires_it(doc: dict[str, Any]) -> None:
    scheme = doc["components"]["securitySchemes"]["bearer"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    seen = set()
    for method, path, operation in operations(doc):
        seen.add((method, path))
        if (method, path) in PUBLIC:
            assert "security" not in operation and "401" not in operation["responses"]
            continue
        assert operation.get("security") == [{"bearer": []}], (method, path)
        assert "401" in operation["responses"], (method, path)
        names = [p["name"].lower() for p in operation.get("parameters", [])]
        assert "authorization" not in names, (method, path)  # the scheme says it
    assert seen >= PUBLIC and len(seen) > 10


def test_operations_with_input_declare_422_and_no_framework_validation_schema(
    doc: dict[str, Any],
) -> None:
    for method, path, operation in operations(doc):
        takes_input = bool(operation.get("parameters")) or "requestBody" in operation
        assert ("422" in operation["responses"]) == takes_input, (method, path)
        if "requestBody" in operation:
            assert {"400", "413"} <= set(operation["responses"]), (method, path)
        if (method, path) not in PUBLIC:
            assert "503" in operation["responses"], (method, path)
    text = json.dumps(doc)
    assert "HTTPValidationError" not in text and '"ValidationError"' not in text


def test_every_error_response_is_problem_json(doc: dict[str, Any]) -> None:
    count = 0
    for method, path, operation in operations(doc):
        for status, response in operation["responses"].items():
            if status[0] in "45":
                count += 1
                assert list(response["content"]) == ["application/problem+json"], (path, status)
                schema = response["content"]["application/problem+json"]["schema"]
                assert schema == {"$ref": PROBLEM_REF}, (method, path, status)
    assert count > 50


def test_problem_component_has_a_string_detail_and_the_extension_members(
    doc: dict[str, Any],
) -> None:
    problem = doc["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"title", "status", "detail"}
    props = problem["properties"]
    assert props["detail"]["type"] == "string" and props["status"]["type"] == "integer"
    assert {"type", "instance", "errors", "state", "action", "missing"} <= set(props)
    assert problem.get("additionalProperties") is True


def test_statuses_that_depend_on_the_route(doc: dict[str, Any]) -> None:
    def statuses(method: str, path: str) -> set[str]:
        return set(doc["paths"][f"{PREFIX}{path}"][method]["responses"])

    assert {"403", "404", "409"} <= statuses("post", "/cases/{serial}/actions")
    assert "404" in statuses("get", "/cases/{serial}")
    assert "403" in statuses("post", "/cases")
    assert {"403", "409"} <= statuses("post", "/catalogue")
    assert "404" in statuses("get", "/grids/{code}")
    assert "503" in statuses("get", "/health")


def test_write_headers_and_the_event_stream(doc: dict[str, Any]) -> None:
    paths = doc["paths"]
    created = paths[f"{PREFIX}/cases"]["post"]["responses"]["201"]
    assert {"ETag", "Location", "Idempotent-Replayed"} <= set(created["headers"])
    acted = paths[f"{PREFIX}/cases/{{serial}}/actions"]["post"]
    assert "ETag" in acted["responses"]["200"]["headers"]
    assert parameter(acted, "If-Match")["in"] == "header"
    key = parameter(acted, "Idempotency-Key")["schema"]
    assert key["minLength"] == 1 and key["maxLength"] == 128
    stream = paths[f"{PREFIX}/events/stream"]["get"]["responses"]["200"]["content"]
    assert list(stream) == ["text/event-stream"]
    assert "itemSchema" in stream["text/event-stream"]


def test_optional_parameters_are_plain_strings_not_null(doc: dict[str, Any]) -> None:
    for _method, _path, operation in operations(doc):
        for param in operation.get("parameters", []):
            assert "anyOf" not in param["schema"], param


def test_grid_code_path_has_the_15_digit_pattern(doc: dict[str, Any]) -> None:
    code = parameter(doc["paths"][f"{PREFIX}/grids/{{code}}"]["get"], "code")
    assert code["in"] == "path"
    pattern = re.compile(code["schema"]["pattern"])
    assert pattern.fullmatch("110112001001001")
    for bad in (
        "11011200100100",
        "1101120010010011",
        "11011200100100x",
        "９９０１１２００１００１００１",
    ):
        assert not pattern.fullmatch(bad), bad


def _parses(code: str) -> bool:
    try:
        parse_grid_code(code)
    except InvalidGridCode:
        return False
    return True


@given(
    st.one_of(
        st.text(alphabet="0123456789", min_size=15, max_size=15),
        st.lists(st.sampled_from(["000", "001", "00", "999", "110112", "0"]), max_size=6).map(
            "".join
        ),
        st.text(max_size=16),
    )
)
def test_grid_code_pattern_accepts_exactly_what_the_server_accepts(
    doc: dict[str, Any], code: str
) -> None:
    regex = parameter(doc["paths"][f"{PREFIX}/grids/{{code}}"]["get"], "code")["schema"]["pattern"]
    assert bool(re.fullmatch(regex, code)) == _parses(code)


def _accepted(raw: str) -> bool:
    try:
        _states(raw)
    except Invalid:
        return False
    return True


@given(
    st.lists(
        st.sampled_from([*(s.value for s in CaseState), "open", "", " filed ", "nope"]), max_size=4
    ).map(",".join)
)
def test_state_pattern_accepts_exactly_what_the_server_accepts(
    doc: dict[str, Any], raw: str
) -> None:
    regex = parameter(doc["paths"][f"{PREFIX}/cases"]["get"], "state")["schema"]["pattern"]
    assert bool(re.search(regex, raw)) == _accepted(raw), raw


def test_open311_operations_declare_both_formats_and_the_standard_error_list(
    doc: dict[str, Any],
) -> None:
    found = {(method, path) for method, path, _ in operations(doc, OPEN311)}
    assert found == {
        ("get", f"{OPEN311}/discovery.{{fmt}}"),
        ("get", f"{OPEN311}/services.{{fmt}}"),
        ("get", f"{OPEN311}/services/{{service_code}}.{{fmt}}"),
        ("get", f"{OPEN311}/requests.{{fmt}}"),
        ("post", f"{OPEN311}/requests.{{fmt}}"),
        ("get", f"{OPEN311}/requests/{{service_request_id}}.{{fmt}}"),
        ("get", f"{OPEN311}/tokens/{{token}}.{{fmt}}"),
    }
    for method, path, operation in operations(doc, OPEN311):
        assert "security" not in operation, (method, path)
        responses = operation["responses"]
        assert "422" not in responses and {"400", "404", "503"} <= set(responses), path
        for status, response in responses.items():
            assert set(response["content"]) == {"application/json", "text/xml"}, (path, status)
            if status[0] in "45":
                schema = response["content"]["application/json"]["schema"]
                assert schema["items"]["required"] == ["code", "description"], (path, status)
        fmt = parameter(operation, "fmt")["schema"]
        assert fmt["enum"] == ["json", "xml"]
        if (method, path) != ("get", f"{OPEN311}/discovery.{{fmt}}") and "services" not in path:
            assert {"403", "429"} <= set(responses), (method, path)
    post = doc["paths"][f"{OPEN311}/requests.{{fmt}}"]["post"]
    assert {"application/x-www-form-urlencoded", "multipart/form-data", "application/json"} == set(
        post["requestBody"]["content"]
    )

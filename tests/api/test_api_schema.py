"""The OpenAPI document against the running server, by schemathesis (bounded, derandomised so
CI is repeatable): whatever valid or invalid request it makes, the server never answers 5xx,
and every answer's status, content type and body match the document."""

from __future__ import annotations

import os

import schemathesis
from api_serving import Server
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from serialpos.api import openapi

SCHEMA = schemathesis.openapi.from_dict(openapi.document())
CASES = st.one_of(
    SCHEMA.as_strategy(GenerationMode.POSITIVE), SCHEMA.as_strategy(GenerationMode.NEGATIVE)
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


#: Examples per run: 250 is the full size (``SERIALPOS_SCHEMA_EXAMPLES=250``, the default
#: outside CI); CI (``CI`` set) draws 60 of them (derandomized: the same 60 each run).
EXAMPLES = int(os.environ.get("SERIALPOS_SCHEMA_EXAMPLES", "60" if os.environ.get("CI") else "250"))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(case=CASES)
def test_every_answer_matches_the_document_and_none_is_a_server_error(
    server: Server, case: Case
) -> None:
    headers = {"Authorization": f"Bearer {server.tokens['ada']}"}
    response = case.call(base_url=server.base, headers=headers, timeout=30)
    case.validate_response(response, checks=CHECKS, headers=headers)

"""Schemathesis over the OpenAPI schema: generated requests to every operation, every check on.

No server error, no status or content type the schema does not document, no answer that breaks
its documented schema — for valid (positive) and invalid (negative) inputs alike, a bounded
number of examples per operation, derandomised so runs repeat.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance,
          checks.negative_data_rejection, checks.missing_required_header]
EXAMPLES = 10  # per operation and generation mode


@pytest.fixture(scope="module")
def api_schema(api_app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", api_app)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_conforms_to_its_schema(api_schema: Any, mode: GenerationMode) -> None:
    operations = [r.ok() for r in api_schema.get_all_operations()]
    assert len(operations) >= 18
    for operation in operations:
        raw = operation.definition.raw
        if mode is GenerationMode.NEGATIVE and not raw.get("parameters") and not raw.get("requestBody"):
            continue  # nothing to make invalid

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def conforms(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)

        conforms()

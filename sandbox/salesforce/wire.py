"""The wire helpers both API modules share: JSON answers, JSON bodies, object lookup."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.salesforce.errors import SalesforceError, invalid_type
from sandbox.salesforce.schema import ObjectSpec, object_spec


def json_response(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), status, media_type="application/json")


async def read_json(request: Request) -> Any:
    """The request's JSON body ({} when empty); JSON_PARSER_ERROR when it is not JSON."""
    raw = await request.body()
    try:
        return json.loads(raw) if raw else {}
    except ValueError as exc:
        raise SalesforceError("JSON_PARSER_ERROR", f"Unexpected character: {exc}") from exc


async def read_record(request: Request, object_type: str) -> dict[str, Any]:
    """A single-record body: a JSON object, else the JSON_PARSER_ERROR Salesforce answers."""
    body = await read_json(request)
    if not isinstance(body, dict):
        token = "START_ARRAY" if isinstance(body, list) else "VALUE"
        raise SalesforceError(
            "JSON_PARSER_ERROR",
            f"Cannot deserialize instance of {object_type} from {token} value [line:1, column:1]",
        )
    return body


def sobject(name: str, objects: Mapping[str, ObjectSpec] | None = None) -> ObjectSpec:
    """The object named in a URL, or the 404 Salesforce answers for an unknown one."""
    spec = object_spec(name, objects)
    if spec is None:
        raise invalid_type(name)
    return spec

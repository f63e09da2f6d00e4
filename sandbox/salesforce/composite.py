"""sObject collections: ``composite/sobjects`` create, update, upsert, read and delete."""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response

from sandbox.salesforce.assignment import ABSENT, HEADER
from sandbox.salesforce.errors import SalesforceError, unknown_field
from sandbox.salesforce.ids import is_id_of, object_for_id, to_18
from sandbox.salesforce.query import record_renderer
from sandbox.salesforce.schema import ObjectSpec
from sandbox.salesforce.store import SalesforceStore, WriteOp, lock_row_error
from sandbox.salesforce.wire import json_response, read_json, sobject
from sandbox.salesforce.writes import ROLLED_BACK, refuse_duplicate_external_ids

MAX_COLLECTION = 200


class Collections:
    """Up to 200 records a request, per-record results in order, allOrNone."""

    def __init__(self, store: SalesforceStore) -> None:
        self.store = store

    async def dispatch(self, method: str, seg: list[str], request: Request) -> Response:
        """``seg``: the path after ``composite/sobjects``."""
        if method == "GET" and len(seg) == 1:
            params = request.query_params
            ids, fields = _split(params.get("ids")), _split(params.get("fields"))
            return self.read(sobject(seg[0], self.store.objects), ids, fields)
        if method == "POST" and len(seg) == 1:
            # The POST form of the same read, for id lists too long for a URL.
            spec = sobject(seg[0], self.store.objects)
            body = await read_json(request)
            if not isinstance(body, dict):
                raise SalesforceError("JSON_PARSER_ERROR", "ids and fields are expected")
            return self.read(spec, _strings(body.get("ids")), _strings(body.get("fields")))
        if method == "DELETE" and not seg:
            return self.delete(request)
        if method not in ("POST", "PATCH") or len(seg) not in (0, 2):
            raise SalesforceError(
                "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed", status=405
            )
        body = await read_json(request)
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, list):
            raise SalesforceError("JSON_PARSER_ERROR", "records must be a list of sObjects")
        if len(records) > MAX_COLLECTION:
            raise SalesforceError(
                "EXCEEDED_ID_LIMIT",
                f"record limit reached. cannot submit more than {MAX_COLLECTION} records into "
                "this call",
            )
        upsert_field = seg[1] if seg else None
        if upsert_field is not None:
            sobject(seg[0], self.store.objects)
        locks = [self.store.roll_lock_fault() for _ in records]
        ops: list[WriteOp | SalesforceError] = [
            _op(method, record, seg[0] if seg else None, upsert_field, locked)
            for record, locked in zip(records, locks, strict=True)
        ]
        if upsert_field is not None:
            ops = refuse_duplicate_external_ids(ops)
        assign = request.headers.get(HEADER, ABSENT)
        valid = [replace(op, auto_assign=assign) for op in ops if isinstance(op, WriteOp)]
        all_or_none = bool(body.get("allOrNone", False))
        refused = len(valid) != len(ops)
        # With allOrNone a record refused up front means nothing is written at all.
        written = (
            [] if all_or_none and refused else self.store.write(valid, all_or_none=all_or_none)
        )
        results = iter(written)
        answer: list[dict[str, object]] = []
        for op in ops:
            if isinstance(op, SalesforceError):
                answer.append({"success": False, "errors": [op.save_error()]})
            elif all_or_none and refused:
                answer.append({"success": True})  # replaced by the rollback error below
            else:
                answer.append(next(results).as_json(with_created=upsert_field is not None))
        if all_or_none and refused:
            answer = _rolled_back(answer)
        return json_response(answer)

    def read(self, spec: ObjectSpec, ids: list[str], fields: list[str]) -> Response:
        if not ids or not fields:
            missing = "ids" if not ids else "fields"
            raise SalesforceError("MISSING_ARGUMENT", f"Required parameter '{missing}' is missing")
        if len(ids) > 2000:
            raise SalesforceError("EXCEEDED_ID_LIMIT", "Too many ids were requested")
        names = []
        for name in fields:
            fspec = spec.field(name)
            if fspec is None:
                raise unknown_field(name, spec.name)
            names.append(fspec.name)
        render_one = record_renderer(spec, tuple(names))
        out: list[object] = []
        for record_id in ids:
            row = self.store.get(spec.name, record_id) if is_id_of(record_id, spec.name) else None
            out.append(render_one(row) if row and not row["IsDeleted"] else None)
        return json_response(out)

    def delete(self, request: Request) -> Response:
        ids = _split(request.query_params.get("ids"))
        if len(ids) > MAX_COLLECTION:
            raise SalesforceError(
                "EXCEEDED_ID_LIMIT",
                f"record limit reached. cannot submit more than {MAX_COLLECTION} records into "
                "this call",
            )
        all_or_none = request.query_params.get("allOrNone", "false").lower() == "true"
        # Check every id first so that allOrNone can refuse the request before deleting any.
        checked: list[tuple[str, str, SalesforceError | None]] = []
        for record_id in ids:
            object_type = object_for_id(record_id) or ""
            error: SalesforceError | None = None
            if not is_id_of(record_id, object_type):
                error = SalesforceError("MALFORMED_ID", f"malformed id {record_id}")
            elif self.store.roll_lock_fault():
                error = lock_row_error(to_18(record_id))
            else:
                try:
                    self.store.existing(object_type, record_id)
                except SalesforceError as exc:
                    error = exc
            checked.append((record_id, object_type, error))
        refused = any(error is not None for _, _, error in checked)
        answer: list[dict[str, object]] = []
        for record_id, object_type, error in checked:
            if error is None and all_or_none and refused:
                error = ROLLED_BACK
            if error is None:
                try:
                    self.store.delete(object_type, record_id)
                except SalesforceError as exc:
                    error = exc
            if error is None:
                answer.append({"id": to_18(record_id), "success": True, "errors": []})
            else:
                answer.append({"id": record_id, "success": False, "errors": [error.save_error()]})
        return json_response(answer)


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _rolled_back(answer: list[dict[str, object]]) -> list[dict[str, object]]:
    rollback = SalesforceError(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid",
    ).save_error()
    return [a if not a["success"] else {"success": False, "errors": [rollback]} for a in answer]


def _op(
    method: str,
    record: object,
    object_type: str | None,
    upsert_field: str | None,
    locked: bool,
) -> WriteOp | SalesforceError:
    """One record of a collection request as a WriteOp, or the error that refuses it."""
    if not isinstance(record, dict):
        return SalesforceError("JSON_PARSER_ERROR", "each record must be a JSON object")
    attributes = record.get("attributes")
    type_ = attributes.get("type") if isinstance(attributes, dict) else None
    if not type_:
        return SalesforceError("INVALID_TYPE", "Must specify a type in the attributes")
    if object_type is not None and type_.lower() != object_type.lower():
        return SalesforceError("INVALID_TYPE", f"Record type {type_} does not match {object_type}")
    fields = {k: v for k, v in record.items() if k != "attributes"}
    record_id = next((v for k, v in fields.items() if k.lower() == "id"), None)
    if upsert_field is not None:
        value = next((v for k, v in fields.items() if k.lower() == upsert_field.lower()), None)
        if value in (None, ""):
            return SalesforceError(
                "MISSING_ARGUMENT", f"{upsert_field} not specified", [upsert_field]
            )
        return WriteOp(
            "upsert",
            type_,
            fields,
            ext_field=upsert_field,
            ext_value=str(value),
            lock_fail=locked,
        )
    if method == "POST":
        if record_id:
            return SalesforceError("INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
        return WriteOp("create", type_, fields, lock_fail=locked)
    if not record_id:
        return SalesforceError("MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
    return WriteOp("update", type_, fields, record_id=str(record_id), lock_fail=locked)

"""The OpenAPI 3.1 document, generated from the operation registry and pydantic models."""

from __future__ import annotations

from typing import Any

from flask import Response
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from furusato.web.api.core import (
    ANONYMOUS,
    REGISTRY,
    Call,
    Problem,
    api,
    json_response,
    openapi_path,
)
from furusato.web.guards import public


def build_document() -> dict[str, Any]:
    models: set[type[BaseModel]] = {Problem}
    for op in REGISTRY:
        for m in (op.body, op.response):
            if m is not None:
                models.add(m)
    ordered = sorted(models, key=lambda m: m.__name__)
    keyed, top = models_json_schema(
        [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = dict(top.get("$defs", {}))

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        return keyed[(model, "validation")]

    problem = {PROBLEM: {"schema": ref(Problem)}}
    paths: dict[str, Any] = {}
    for op in REGISTRY:
        path, params = openapi_path(api.url_prefix + op.rule)  # type: ignore[operator]
        if op.query is not None:
            for name, info in op.query.model_json_schema()["properties"].items():
                params.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": name in op.query.model_json_schema().get("required", []),
                        "schema": info,
                    }
                )
        if op.idempotent:
            params.append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "maxLength": 255},
                }
            )
        content: dict[str, Any] = {}
        if op.content_type != "application/json":
            content[op.content_type] = {"schema": {"type": "string", "format": "binary"}}
        if op.response is not None:  # a file operation may also answer JSON (format=json)
            content["application/json"] = {"schema": ref(op.response)}
        success: dict[str, Any] = {"description": "OK"}
        if content:
            success["content"] = content
        responses: dict[str, Any] = {str(op.status): success}
        codes = set(op.errors) | {400} | ({429} if op.limit else set())
        if op.body is not None or op.query is not None:
            codes |= {415, 422} if op.body is not None else {422}
        if ANONYMOUS not in op.roles:
            codes |= {401, 403}
        if op.idempotent:
            codes |= {409, 422}
        for code in sorted(codes):
            responses[str(code)] = {"description": "Problem", "content": problem}
        entry: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "parameters": params,
            "responses": responses,
        }
        if op.body is not None:
            entry["requestBody"] = {
                # A body whose fields all have defaults may be left out (core reads it as {}).
                "required": bool(op.body.model_json_schema().get("required")),
                "content": {"application/json": {"schema": ref(op.body)}},
            }
        if ANONYMOUS not in op.roles:
            entry["security"] = [{"bearer": []}]
            entry["x-roles"] = list(op.roles)
        paths.setdefault(path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "furusato API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


PROBLEM = "application/problem+json"


@api.get("/openapi.json")
@public
def openapi_document() -> Response:
    return json_response(build_document())


__all__ = ["Call", "openapi_document"]

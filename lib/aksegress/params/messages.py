"""Pydantic's validation errors as (field path, message) pairs in the words of the parameters file."""

from __future__ import annotations

from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from aksegress import naming
from aksegress.params.models import Params
from aksegress.params.relations import Problem


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin is Union or str(origin) == "<class 'types.UnionType'>":
            tp = next(a for a in get_args(tp) if a is not type(None))
        else:
            return tp


def _keys_at(loc: tuple) -> list[str]:
    """The keys a model accepts at ``loc`` (a pydantic error location), for 'unknown key' messages."""
    tp: Any = Params
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            fields = {f.alias or n: f for n, f in tp.model_fields.items()}
            if part not in fields:
                return []
            tp = fields[part].annotation
        elif get_origin(tp) in (dict, list):
            tp = get_args(tp)[-1]
        else:
            return []
    tp = _unwrap(tp)
    return [f.alias or n for n, f in tp.model_fields.items()] if isinstance(tp, type) and issubclass(tp, BaseModel) else []


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _message(error: dict) -> str:
    kind, loc = error["type"], error["loc"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        if naming.looks_like_credential(key):
            return (f"unknown key {key!r}: credentials are never parameters; they come from the environment "
                    "through azure-identity (az login, managed identity or AZURE_* variables)")
        return f"unknown key {key!r}; valid keys here: {', '.join(_keys_at(loc[:-1]))}"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "literal_error":
        return f"{_shown(error['input'])} is not valid; use {error['ctx']['expected']}"
    text = error["msg"]
    return text if kind.endswith("_type") and isinstance(error["input"], dict) else f"{text} (got {_shown(error['input'])})"


def _shown(value: Any, limit: int = 80) -> str:
    """The value a user wrote, cut short so a huge value is never echoed whole."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def pydantic_problems(err: ValidationError, prefix: tuple = ()) -> list[Problem]:
    return [(_path(prefix + tuple(e["loc"])), _message({**e, "loc": prefix + tuple(e["loc"])})) for e in err.errors()]

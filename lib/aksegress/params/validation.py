"""Both validation passes over already-parsed data, every problem reported at once."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from aksegress.errors import ParamsError
from aksegress.params.azure_limits import azure_limit_problems
from aksegress.params.messages import pydantic_problems
from aksegress.params.models import AccessRule, Hub, Params, Spoke
from aksegress.params.relations import Problem, relation_problems

_DROPPABLE = {Hub: {"vpn_gateway"}, Spoke: {"cluster", "test_vm"}, AccessRule: set()}


def _valid_part(model: type[BaseModel], value: Any) -> Any:
    """``value`` as ``model``; when only unknown keys or optional sections are wrong, the rest without them."""
    try:
        return model.model_validate(value)
    except ValidationError as err:
        if not isinstance(value, dict):
            return None
        culprits = {e["loc"][0] for e in err.errors() if e["loc"]}
        known = {f.alias or n for n, f in model.model_fields.items()}
        if not culprits <= (_DROPPABLE[model] | (set(value) - known)):
            return None
        try:
            return model.model_validate({k: v for k, v in value.items() if k not in culprits})
        except ValidationError:
            return None


def _salvage(data: dict) -> tuple[Hub | None, dict[str, Spoke], list[tuple[int, AccessRule]]]:
    """The sections of an invalid file that are valid on their own, so relation checks can still run."""
    raw_spokes = data.get("spokes") if isinstance(data.get("spokes"), dict) else {}
    spokes = {k: s for k, v in raw_spokes.items() if (s := _valid_part(Spoke, v)) is not None}
    raw_access = data.get("access") if isinstance(data.get("access"), list) else []
    access = [(i, r) for i, v in enumerate(raw_access) if (r := _valid_part(AccessRule, v)) is not None]
    return _valid_part(Hub, data.get("hub")), spokes, access


def validate_params(data: Any, source: str = "<params>") -> Params:
    """A Params from already-parsed data, or ParamsError listing every problem found."""
    if not isinstance(data, dict):
        raise ParamsError(source, [("(top level)", f"expected a mapping of keys to values, got {type(data).__name__}")])
    problems: list[Problem] = []
    try:
        params: Params | None = Params.model_validate(data)
    except ValidationError as err:
        problems += pydantic_problems(err)
        params = None
    if params is not None:
        hub, spokes, access = params.hub, dict(params.spokes), list(enumerate(params.access))
    else:
        hub, spokes, access = _salvage(data)
    raw_spokes = data.get("spokes") if isinstance(data.get("spokes"), dict) else {}
    declared = {str(k): {f for f, x in v.items() if x is not None} if isinstance(v, dict) else set()
                for k, v in raw_spokes.items()}
    problems += relation_problems(data.get("environment"), data.get("confirm_teardown"), hub, declared, spokes, access,
                                  data.get("api_access_rule"))
    problems += azure_limit_problems(data.get("target"), hub, spokes)
    if problems:
        raise ParamsError(source, problems)
    assert params is not None
    return params

"""Reading a parameters file as strict YAML, then validating it."""

from __future__ import annotations

from pathlib import Path

import yaml

from aksegress.errors import ParamsError
from aksegress.params.models import Params
from aksegress.params.validation import validate_params


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML would keep the last silently)."""


def _unique_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"key {key!r} appears twice", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def load_params(path: Path | str) -> Params:
    """Read and validate a parameters file (no network access); ParamsError lists every problem found."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        others = sorted(p.stem for p in path.parent.glob("*.yaml")) if path.parent.is_dir() else []
        raise ParamsError(source, [("(file)", "not found" + (f"; files here: {', '.join(others)}" if others else ""))]) from None
    except OSError as err:
        raise ParamsError(source, [("(file)", f"cannot be read: {err.strerror or err}")]) from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        what = getattr(err, "problem", None) or str(err)
        place = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ParamsError(source, [("(yaml syntax)", f"{where}: {what}{place}")]) from None
    if data is None:
        raise ParamsError(source, [("(file)", "is empty; see params/azure.example.yaml for the keys")])
    return validate_params(data, source)

"""Reading a parameters file as strict YAML, then validating it.

Strict means: UTF-8 only (another encoding is named, not guessed through), no key given twice, merge keys
(``<<: *anchor``) allowed with the mapping's own keys winning, and aliases bounded so a file cannot expand
into more values than a parameters file could ever need (an alias bomb is refused before it is built).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from aksegress.errors import ParamsError
from aksegress.params.models import Params
from aksegress.params.validation import validate_params

MAX_VALUES = 20_000
"""Values (scalars, lists, mappings) a file may expand to once its aliases are followed; a full file has a few hundred."""
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML would keep the last silently)."""


def _unique_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"key {key!r} appears twice", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


class _TooLarge(Exception):
    def __init__(self, mark):
        self.mark = mark


def _expanded_size(root: yaml.Node) -> int:
    """How many values the node tree stands for once every alias is followed; _TooLarge past MAX_VALUES or
    when an alias contains itself. Each distinct node is counted once, so a bomb is measured, never built."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in active:
            raise _TooLarge(node.start_mark)
        if isinstance(node, yaml.ScalarNode):
            return 1
        active.add(id(node))
        children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_VALUES:
                raise _TooLarge(node.start_mark)
        active.discard(id(node))
        sizes[id(node)] = total
        return total

    return size(root)


def _decode(raw: bytes, source: str) -> str:
    for bom, name in ((b"\xff\xfe", "UTF-16 LE"), (b"\xfe\xff", "UTF-16 BE")):
        if raw.startswith(bom):
            raise ParamsError(source, [("(file)", f"is encoded as {name} (it starts with that byte-order mark); "
                                        "save it as UTF-8 and load it again")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        byte = raw[err.start]
        guess = "Windows-1252 or Latin-1" if byte >= 0x80 else "not a text encoding"
        raise ParamsError(source, [("(file)", f"is not UTF-8: byte 0x{byte:02x} on line {line} is not valid UTF-8 "
                                    f"(the file looks like {guess}); save it as UTF-8 and load it again")]) from None


def _parse(text: str, source: str):
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_params(path: Path | str) -> Params:
    """Read and validate a parameters file (no network access); ParamsError lists every problem found."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        others = sorted(p.stem for p in path.parent.glob("*.yaml")) if path.parent.is_dir() else []
        raise ParamsError(source, [("(file)", "not found" + (f"; files here: {', '.join(others)}" if others else ""))]) from None
    except OSError as err:
        raise ParamsError(source, [("(file)", f"cannot be read: {err.strerror or err}")]) from None
    text = _decode(raw, source)
    try:
        data = _parse(text, source)
    except _TooLarge as err:
        raise ParamsError(source, [("(yaml aliases)", f"{source}:{err.mark.line + 1}: the file expands to more than "
                                    f"{MAX_VALUES:,} values once its aliases (*name) are followed; a parameters file needs "
                                    "far fewer: write the values out or use fewer aliases")]) from None
    except RecursionError:
        raise ParamsError(source, [("(yaml)", "the file nests too deeply to be a parameters file")]) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        what = getattr(err, "problem", None) or str(err)
        place = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ParamsError(source, [("(yaml syntax)", f"{where}: {what}{place}")]) from None
    if data is None:
        raise ParamsError(source, [("(file)", "is empty; see params/azure.example.yaml for the keys")])
    return validate_params(data, source)

"""The library's shape: imports run one way (no cycle at any depth), the Azure path never loads the emulator, files stay small.

The import graph counts every import statement in a module, at module level or inside a function, and links a
module to the package module it names: ``from aksegress.steps import spec`` is an edge to ``aksegress.steps.spec``,
``from aksegress.steps import StepSpec`` an edge to ``aksegress.steps`` (the package's ``__init__``). The parent
packages Python loads on the way to a submodule are not counted as edges: Python finishes a package's ``__init__``
before anything inside it runs, so that load is never a cycle the code could trip on.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "lib"
PACKAGE = LIB / "aksegress"
MAX_LINES = 450


def _module_name(path: Path) -> str:
    parts = path.relative_to(LIB).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imported(path: Path, name: str, known: set[str]) -> set[str]:
    """The package modules ``path`` imports anywhere in its body."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imported(path, name, set(modules)) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_cycle_finder_sees_a_cycle_through_a_function_level_import():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]


def test_the_import_graph_counts_imports_inside_functions_relative_ones_and_submodules_named_by_from(tmp_path):
    module = tmp_path / "a.py"
    module.write_text("from pkg import StepSpec\n\ndef f():\n    from pkg import b\n    from . import c\n    import pkg.d.e\n")
    known = {"pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d"}
    assert _imported(module, "pkg.a", known) == {"pkg", "pkg.b", "pkg.c", "pkg.d"}


def test_no_module_of_the_library_imports_itself_back_at_any_depth():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def _loaded_after(imports: str) -> set[str]:
    code = f"import sys\n{imports}\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return set(done.stdout.split())


def test_the_desired_state_the_plan_and_the_runbook_load_without_the_emulator_or_its_http_stack():
    desired = sorted(_module_name(p) for p in (PACKAGE / "desired").glob("*.py"))
    loaded = _loaded_after("\n".join(f"import {m}" for m in ["aksegress.desired", "aksegress.plan", "aksegress.runbook", *desired]))
    assert "aksegress.runbook" in loaded
    assert sorted(m for m in loaded if m == "werkzeug" or m.startswith(("aksegress.emulator", "werkzeug.", "trustme"))) == []


def test_no_module_of_the_library_is_over_450_lines():
    long = {str(p.relative_to(LIB)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}

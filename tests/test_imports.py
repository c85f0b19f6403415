"""The core's modules import each other in one direction only: no circle, counting the imports
made inside functions (a circle held open by a late import is still a circle), and no UI. And no
module grows past issue 19's size limits (a file that long holds more than one thing: split it by
meaning)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "initdash"
# Issue 19: "No file in `dashboard/` over 450 lines, none in `initdash/` over 700."
MAX_LINES = {"dashboard": 450, "initdash": 700}


def imports_of(path: Path) -> set[str]:
    """The initdash modules a module imports anywhere in its body (module names, no package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:  # from .config import X
                found.add(node.module.split(".")[0])
            elif node.level == 1:  # from . import cost, presets
                found.update(a.name for a in node.names)
            elif node.module and node.module.split(".")[0] == "initdash":
                rest = node.module.split(".")[1:]
                found.update(rest[:1] or [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] == "initdash" and len(parts) > 1:
                    found.add(parts[1])
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the initdash modules it imports (the package's __init__ left out: it imports
    everything and nothing imports it by name)."""
    modules = {p.stem for p in CORE.glob("*.py")} - {"__init__", "__main__"}
    return {m: imports_of(CORE / f"{m}.py") & modules for m in sorted(modules)}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle as a path [a, b, ..., a], or [] when the graph has none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str]:
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return path[path.index(n) :] + [n]
            if n not in state and (found := visit(n)):
                return found
        path.pop()
        state[m] = 2
        return []

    for m in graph:
        if m not in state and (found := visit(m)):
            return found
    return []


def test_the_graph_reader_sees_imports_inside_functions_and_finds_circles(tmp_path):
    """The oracle: a hand-made pair of modules whose circle only closes inside a function."""
    (tmp_path / "a.py").write_text("from .b import f\n")
    (tmp_path / "b.py").write_text("def f():\n    from .a import g\n    return g\n")
    assert imports_of(tmp_path / "b.py") == {"a"}
    graph = {"a": imports_of(tmp_path / "a.py"), "b": imports_of(tmp_path / "b.py")}
    assert find_cycle(graph) == ["a", "b", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_the_core_has_no_import_circle():
    graph = import_graph()
    assert {"config", "cost", "results", "train"} <= set(graph)
    assert "config" in graph["cost"]  # the reader sees the core's real imports
    assert find_cycle(graph) == [], " -> ".join(find_cycle(graph))


def test_importing_the_core_loads_no_ui():
    code = "import initdash, sys; assert not {'streamlit', 'altair'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=CORE.parent)


def too_long(folder: Path, limit: int) -> dict[str, int]:
    """The Python files under ``folder`` (subfolders too) over ``limit`` lines: name -> lines."""
    found = {}
    for path in sorted(folder.rglob("*.py")):
        n = len(path.read_text().splitlines())
        if n > limit:
            found[str(path.relative_to(folder.parent))] = n
    return found


def test_the_size_reader_counts_lines_in_subfolders(tmp_path):
    """The oracle: a file one line over the limit, in a subfolder, is found; one at it is not."""
    (tmp_path / "pkg" / "views").mkdir(parents=True)
    (tmp_path / "pkg" / "ok.py").write_text("x = 1\n" * 5)
    (tmp_path / "pkg" / "views" / "big.py").write_text("x = 1\n" * 6)
    assert too_long(tmp_path / "pkg", 5) == {str(Path("pkg/views/big.py")): 6}


def test_no_module_over_the_size_limits():
    for folder, limit in MAX_LINES.items():
        assert too_long(ROOT / folder, limit) == {}, f"{folder}/ allows {limit} lines a file"

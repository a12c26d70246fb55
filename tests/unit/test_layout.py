"""The layout shows the architecture, and the imports keep to it: the core is pure,
no module of `provider/` imports itself round a cycle, the product never imports the
test harness, and no module grows past one job's size."""

from __future__ import annotations

import ast
from pathlib import Path

import provider

ROOT = Path(provider.__file__).parent
# What the core may import besides the standard library: values and diffs, no I/O.
PURE_LIBRARIES = ("pydantic", "pydantic_core", "deepdiff", "__future__")
REPO = ROOT.parent


def _module(path: Path) -> str:
    name = ".".join(path.relative_to(REPO).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, deferred imports inside functions included."""
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


MODULES = {_module(p): p for p in ROOT.rglob("*.py")}
GRAPH = {
    name: {m for m in _imports(path) if m in MODULES and m != name}
    for name, path in MODULES.items()
}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_module_of_the_provider_imports_itself_round_a_cycle():
    # Packages import their modules' parents implicitly: only module edges count.
    modules = {n: {m for m in g if MODULES[m].name != "__init__.py"} for n, g in GRAPH.items()}
    assert _cycle(modules) is None


def test_the_cycle_finder_finds_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_the_core_is_pure_no_pulumi_no_http_no_front_end():
    allowed_prefixes = ("provider.core", "provider.errors", "pydantic", "pydantic_core")
    for name, path in MODULES.items():
        if not name.startswith("provider.core"):
            continue
        for imported in _imports(path):
            top = imported.split(".")[0]
            if top == "provider":
                assert imported.startswith(allowed_prefixes), (name, imported)
            else:
                assert top in PURE_LIBRARIES or _stdlib(top), (
                    name,
                    imported,
                )


def _stdlib(top: str) -> bool:
    import sys

    return top in sys.stdlib_module_names


# What users run: none of it may need the test scaffolding to import.
PRODUCT = ("provider", "emulator", "receiver")
SCAFFOLDING = ("harness", "tests")
# Every folder of Python code in the repository, for the size rule.
CODE = (*PRODUCT, *SCAFFOLDING, "bench", "scripts")


def test_the_product_never_imports_the_harness_or_the_tests():
    found = []
    for folder in PRODUCT:
        for path in (REPO / folder).rglob("*.py"):
            found += [
                (str(path.relative_to(REPO)), imported)
                for imported in _imports(path)
                if imported.split(".")[0] in SCAFFOLDING
            ]
    assert found == []


def test_the_import_reader_sees_imports_of_the_harness():
    # Absolute and relative forms both count, or the test above proves nothing.
    assert "harness.accounts" in _imports(REPO / "tests" / "conftest.py")
    assert "harness.controls" in _imports(REPO / "harness" / "emulator.py")


def test_the_old_harness_paths_stay_gone():
    # One harness (harness/): no second copy in the product, no re-export shims.
    for old in ("emulator/harness.py", "receiver/harness.py"):
        assert not (REPO / old).exists(), old
    for shim in ("tests/support.py", "tests/pulumi_stack.py"):
        assert not (REPO / shim).exists(), shim


def test_modules_stay_small_and_the_front_end_thin():
    paths = [p for folder in CODE for p in (REPO / folder).rglob("*.py")]
    paths += list(REPO.glob("*.py"))
    assert len(paths) > 150  # the whole tree, not a folder that moved
    for path in paths:
        assert len(path.read_text().splitlines()) < 400, path
    assert len((ROOT / "lifecycle.py").read_text().splitlines()) <= 250

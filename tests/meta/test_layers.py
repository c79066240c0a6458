"""The package's layers (docs/architecture.md), checked by walking every import with ``ast``
(imports inside functions included):

1. each layer imports only layers below it; engines do not import one another, and no
   analysis imports another;
2. no import circle anywhere in the package;
3. an import inside a function is allowed only with a ``# lazy:`` comment saying why (an
   optional or heavy dependency kept off a path that does not need it);
4. at most 8 modules at the package root; package ``__init__`` files import nothing of
   the package (the root's names come from their modules on first use).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "sgverify"

# Layer of each top-level part of the package (its first name below sgverify), lowest first.
RANK = {
    "core": 0,
    "lang": 1, "engines": 1,
    "cloud": 2,
    "load": 3, "prove": 3,
    "analyses": 4,
    "report": 5, "project": 5,
    "api": 6,
    "commands": 7,
    "cli": 8, "integrations": 8, "testing": 8,
    "__main__": 9,
}
# Parts whose own sub-packages must not import one another.
SEALED = {"engines", "analyses"}
MAX_ROOT_MODULES = 8


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    line: int
    inner: bool


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = modules()


def _absolute(importer: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    is_pkg = MODULES[importer].name == "__init__.py"
    base = importer.split(".") if is_pkg else importer.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def edges() -> list[Edge]:
    out = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def visit(node: ast.AST, inner: bool) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.ImportFrom):
                    mod = _absolute(name, child)
                    if mod == "sgverify" or mod.startswith("sgverify."):
                        for alias in child.names:
                            full = f"{mod}.{alias.name}"
                            out.append(Edge(name, full if full in MODULES else mod,
                                            child.lineno, inner))
                elif isinstance(child, ast.Import):
                    for alias in child.names:
                        if alias.name.startswith("sgverify"):
                            out.append(Edge(name, alias.name, child.lineno, inner))
                visit(child, inner or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))
        visit(tree, False)
    return out


EDGES = edges()


def part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def sub(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:3])


def test_every_part_has_a_layer() -> None:
    assert {part(m) for m in MODULES} - {"__init__", "grammar"} <= set(RANK)


def test_layers_import_only_layers_below() -> None:
    wrong = []
    for e in EDGES:
        a, b = part(e.importer), part(e.imported)
        if a == "__init__" or b == "__init__":
            continue
        if a == b:
            if a in SEALED and sub(e.importer) != sub(e.imported):
                wrong.append(f"{e.importer}:{e.line} imports {e.imported} ({a} parts are sealed)")
            continue
        if RANK[b] >= RANK[a]:
            wrong.append(f"{e.importer}:{e.line} ({a}, layer {RANK[a]}) imports {e.imported} "
                         f"({b}, layer {RANK[b]})")
    assert not wrong, "\n".join(wrong)


def test_no_import_circles() -> None:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for e in EDGES:
        if e.imported in graph and e.imported != e.importer:
            graph[e.importer].add(e.imported)
    # Tarjan's strongly connected components
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    circles = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    for v in graph:
        if v not in index:
            strong(v)
    assert not circles, circles


def test_imports_inside_functions_say_why() -> None:
    silent = []
    for e in EDGES:
        if not e.inner:
            continue
        lines = MODULES[e.importer].read_text(encoding="utf-8").splitlines()
        # a '# lazy:' comment on the import or above it in the same function
        k = e.line - 1
        while k >= 0 and "# lazy:" not in lines[k] and not lines[k].lstrip().startswith("def "):
            k -= 1
        if k < 0 or "# lazy:" not in lines[k]:
            silent.append(f"{e.importer}:{e.line}: {lines[e.line - 1].strip()}")
    assert not silent, "imports inside functions need a '# lazy: why' comment:\n" + "\n".join(silent)


def test_root_is_small_and_package_inits_import_nothing() -> None:
    root = [p.name for p in PACKAGE.glob("*.py")]
    assert len(root) <= MAX_ROOT_MODULES, sorted(root)
    for name, path in MODULES.items():
        if path.name != "__init__.py":
            continue
        own = [e for e in EDGES if e.importer == name and not e.inner]
        assert not own, f"{name}: package __init__ files import nothing of the package " \
            f"(line {own[0].line})"

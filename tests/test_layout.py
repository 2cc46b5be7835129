"""The architecture's import edges (style.md, Layout): data flows one way, checked on the real,
transitive import graph of pyspec/ and tracecheck/, lazy imports (inside functions) included.

Each rule is a function from a graph to the list of its violations, so that the synthetic
graphs at the end can show that every rule is able to fail.
"""

from __future__ import annotations

import ast
import pathlib
from typing import Iterable

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ("pyspec", "tracecheck")

Graph = dict[str, set[str]]  # module -> the modules it imports (ours by full name, others too)


# ---- building the graph ---------------------------------------------------------------------------


def _module_files() -> dict[str, tuple[pathlib.Path, bool]]:
    """Module name -> (file, whether it is a package's __init__)."""
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            out[".".join(parts)] = (path, is_package)
    return out


def _type_only(tree: ast.AST) -> set[int]:
    """The ids of the import statements under `if TYPE_CHECKING:` (they never run)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            t = node.test
            if (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
                isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
            ):
                out.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return out


def _imports(
    path: pathlib.Path, name: str, is_package: bool, known: Iterable[str], include_type_only: bool = True
) -> set[str]:
    """Every module `path` imports, wherever the import statement is (module level, functions,
    branches; under `if TYPE_CHECKING:` only with `include_type_only`). `from pkg import x`
    names the submodule pkg.x when there is one, else pkg; relative imports are resolved
    against the module's package."""
    known = set(known)
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skip = set() if include_type_only else _type_only(tree)
    here = name if is_package else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = here.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.add(sub if sub in known else base)
        elif isinstance(node, ast.Call):
            # an import the graph cannot see: reported by test_no_dynamic_imports
            f = node.func
            called = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
            if called in ("import_module", "__import__"):
                out.add("<dynamic>")
    return out


def build_graph(include_type_only: bool = True) -> Graph:
    # Edges are the imports a module writes. Importing `pyspec.lang.types` also runs
    # `pyspec/__init__.py`, which re-exports the public API and so imports every engine; counting
    # that implicit parent-package edge would make every module reach every other and hide the
    # layering this file checks. A module that names a package itself (`import pyspec`,
    # `from pyspec import load`) does get the edge to that package's __init__.
    files = _module_files()
    return {
        name: _imports(path, name, is_package, files, include_type_only) for name, (path, is_package) in files.items()
    }


GRAPH = build_graph()
# What runs on import. A type-only import may point back down the layers without a cycle at run
# time (errors.py naming result.Trace for SpecEvalError.trace); every other rule counts it.
RUNTIME_GRAPH = build_graph(include_type_only=False)


# ---- graph helpers --------------------------------------------------------------------------------


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def closure(graph: Graph, start: str) -> set[str]:
    """Every module of `graph` that importing `start` reaches, `start` excluded unless on a cycle."""
    seen: set[str] = set()
    todo = [m for m in graph.get(start, ()) if m in graph]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(n for n in graph[m] if n in graph and n not in seen)
    return seen


def path(graph: Graph, start: str, goal: str) -> list[str]:
    """A shortest import chain from `start` to `goal` (for the messages)."""
    parent = {start: start}
    queue = [start]
    for m in queue:
        for n in sorted(graph.get(m, ())):
            if n in graph and n not in parent:
                parent[n] = m
                if n == goal:
                    chain = [n]
                    while chain[-1] != start:
                        chain.append(parent[chain[-1]])
                    return chain[::-1]
                queue.append(n)
    return [start, "...", goal]


def find_cycle(graph: Graph, package: str = "pyspec") -> list[str] | None:
    """An import cycle among `package`'s modules (first module repeated at the end), or None."""
    nodes = sorted(m for m in graph if _in(m, package))
    colour = dict.fromkeys(nodes, 0)  # 0 new, 1 on the stack, 2 done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        colour[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if n not in colour:
                continue
            if colour[n] == 1:
                return stack[stack.index(n) :] + [n]
            if colour[n] == 0:
                found = visit(n)
                if found:
                    return found
        stack.pop()
        colour[m] = 2
        return None

    for m in nodes:
        if colour[m] == 0:
            found = visit(m)
            if found:
                return found
    return None


def _reaching(graph: Graph, sources: Iterable[str], forbidden: tuple[str, ...]) -> list[str]:
    """`a -> b -> c` for each source that reaches a module under a `forbidden` prefix."""
    out = []
    for src in sorted(sources):
        for m in sorted(closure(graph, src)):
            if any(_in(m, f) for f in forbidden):
                out.append(" -> ".join(path(graph, src, m)))
    return out


# ---- the rules ------------------------------------------------------------------------------------

ENGINES = ("pyspec.explicit", "pyspec.symbolic", "pyspec.api", "pyspec.suite")
FRONT = ("pyspec.api", "pyspec.suite", "pyspec.cli")
TRACECHECK_MAY_USE = {"pyspec", "pyspec.errors", "pyspec.limits", "pyspec.progress", "pyspec.result", "pyspec.types",
                      "pyspec.report.timeline", "pyspec.report.timeline_html"}  # the HTML pages (tracecheck/html.py)
TRACECHECK_MAY_USE |= {"pyspec.testing"}  # model-based testing judged by the logs (tracecheck/model.py)


def pyspec_imports_tracecheck(graph: Graph) -> list[str]:
    return [f"{m} -> {n}" for m in sorted(graph) if _in(m, "pyspec") for n in sorted(graph[m]) if _in(n, "tracecheck")]


def engines_reach_each_other(graph: Graph) -> list[str]:
    explicit = [m for m in graph if _in(m, "pyspec.explicit")]
    symbolic = [m for m in graph if _in(m, "pyspec.symbolic")]
    return _reaching(graph, explicit, ("pyspec.symbolic", *FRONT)) + _reaching(
        graph, symbolic, ("pyspec.explicit", *FRONT)
    )


def lang_reaches_an_engine(graph: Graph) -> list[str]:
    """The language (parse, check, typed tree) is what the engines read; it reads none of them."""
    return _reaching(graph, [m for m in graph if _in(m, "pyspec.lang")], ENGINES + ("pyspec.report", "pyspec.cli"))


def report_reaches_an_engine(graph: Graph) -> list[str]:
    return _reaching(graph, [m for m in graph if _in(m, "pyspec.report")], ENGINES + ("pyspec.cli",))


def cli_imported(graph: Graph) -> list[str]:
    """Only a package's `__main__` (`python -m pyspec`, an entry point like the console script)
    may import that package's CLI."""
    clis = {m for m in graph if m.rpartition(".")[2] == "cli"}
    return [
        f"{m} -> {n}"
        for m in sorted(graph)
        for n in sorted(graph[m] & clis)
        if m != n.rpartition(".")[0] + ".__main__"
    ]


def third_party_outside_its_module(graph: Graph) -> list[str]:
    """In pyspec only the spec parser imports lark (no lark type or exception leaves it);
    tracecheck may, to parse logs with a user's own lark grammar (readers/text.py, mapping.py).
    z3 stays inside pyspec.symbolic everywhere."""
    out = []
    for m in sorted(graph):
        tops = {n.split(".")[0] for n in graph[m]}
        if "lark" in tops and _in(m, "pyspec") and m != "pyspec.lang.parser":
            out.append(f"{m} imports lark")
        if "z3" in tops and not _in(m, "pyspec.symbolic"):
            out.append(f"{m} imports z3")
    return out


def tracecheck_uses_private_pyspec(graph: Graph) -> list[str]:
    return [
        f"{m} -> {n}"
        for m in sorted(graph)
        if _in(m, "tracecheck")
        for n in sorted(graph[m])
        if _in(n, "pyspec") and n not in TRACECHECK_MAY_USE
    ]


def lsp_outside_its_place(graph: Graph) -> list[str]:
    """The language server (pyspec.lsp) is a front end: only the CLI imports it, only it imports
    pygls and lsprotocol, and it reads the language (its checks run `pyspec check` in a worker
    process), never an engine."""
    out = [f"{m} -> {n}" for m in sorted(graph) if not _in(m, "pyspec.lsp") and m != "pyspec.cli"
           for n in sorted(graph[m]) if _in(n, "pyspec.lsp")]
    for m in sorted(graph):
        tops = {n.split(".")[0] for n in graph[m]}
        for lib in sorted(tops & {"pygls", "lsprotocol"}):
            if not _in(m, "pyspec.lsp"):
                out.append(f"{m} imports {lib}")
    return out + _reaching(graph, [m for m in graph if _in(m, "pyspec.lsp")], ENGINES + ("pyspec.cli",))


def dynamic_imports(graph: Graph) -> list[str]:
    return [m for m in sorted(graph) if "<dynamic>" in graph[m]]


RULES = (
    pyspec_imports_tracecheck,
    engines_reach_each_other,
    lang_reaches_an_engine,
    report_reaches_an_engine,
    cli_imported,
    third_party_outside_its_module,
    tracecheck_uses_private_pyspec,
    lsp_outside_its_place,
    dynamic_imports,
)


# ---- the real graph -------------------------------------------------------------------------------


def test_the_graph_sees_lazy_and_relative_imports():
    assert len([m for m in GRAPH if _in(m, "pyspec")]) > 30
    assert "pyspec.symbolic.bmc" in GRAPH["pyspec.api"]  # inside api.bmc()
    assert "pyspec.lang.parser" in GRAPH["pyspec.lang.check"]  # inside a function
    assert "pyspec.api" in GRAPH["pyspec.suite"]  # `from pyspec import api`: the module


def test_no_import_cycle_in_pyspec():
    assert find_cycle(RUNTIME_GRAPH) is None, " -> ".join(find_cycle(RUNTIME_GRAPH) or ())


def test_pyspec_never_imports_tracecheck():
    assert pyspec_imports_tracecheck(GRAPH) == []


def test_explicit_and_symbolic_never_reach_each_other_or_the_front_end():
    assert engines_reach_each_other(GRAPH) == []


def test_lang_reaches_no_engine():
    assert lang_reaches_an_engine(GRAPH) == []


def test_report_reaches_only_result_types():
    assert report_reaches_an_engine(GRAPH) == []


def test_nothing_imports_a_cli():
    assert cli_imported(GRAPH) == []


def test_only_the_parser_imports_lark_and_only_symbolic_imports_z3():
    assert third_party_outside_its_module(GRAPH) == []


def test_tracecheck_uses_only_the_public_api():
    assert tracecheck_uses_private_pyspec(GRAPH) == []


def test_only_the_cli_imports_the_language_server_and_only_it_imports_pygls():
    assert "pyspec.lsp.server" in GRAPH["pyspec.cli"]  # inside run_lsp()
    assert lsp_outside_its_place(GRAPH) == []


def test_no_dynamic_imports():
    assert dynamic_imports(GRAPH) == []  # importlib would hide an edge from every rule above


# ---- every rule can fail --------------------------------------------------------------------------


def test_the_rules_report_a_synthetic_bad_graph():
    g: Graph = {
        "pyspec": {"pyspec.api"},
        "pyspec.api": {"pyspec.explicit.a", "pyspec.symbolic.b"},
        "pyspec.explicit.a": {"pyspec.lang.x", "lark"},
        "pyspec.lang.x": {"pyspec.explicit.a", "tracecheck.t"},  # a cycle, and pyspec -> tracecheck
        "pyspec.symbolic.b": {"pyspec.result", "z3"},
        "pyspec.result": {"pyspec.api"},  # so symbolic reaches api and explicit, transitively
        "pyspec.report.r": {"pyspec.result"},  # and so does report
        "pyspec.cli": {"pyspec"},
        "tracecheck.t": {"pyspec.cli", "pyspec.lang.x", "pyspec.errors", "z3", "lark"},
        "tracecheck.u": {"importlib", "<dynamic>"},
        "pyspec.lsp.s": {"pygls", "pyspec.api"},
        "pyspec.report.q": {"pyspec.lsp.s", "lsprotocol"},
    }
    cycle = find_cycle(g)
    assert cycle is not None and cycle[0] == cycle[-1] and len(cycle) >= 3
    assert pyspec_imports_tracecheck(g) == ["pyspec.lang.x -> tracecheck.t"]
    bad = engines_reach_each_other(g)
    assert "pyspec.symbolic.b -> pyspec.result -> pyspec.api" in bad
    assert "pyspec.symbolic.b -> pyspec.result -> pyspec.api -> pyspec.explicit.a" in bad
    assert "pyspec.lang.x -> pyspec.explicit.a" in lang_reaches_an_engine(g)
    assert "pyspec.report.r -> pyspec.result -> pyspec.api -> pyspec.symbolic.b" in report_reaches_an_engine(g)
    assert cli_imported(g) == ["tracecheck.t -> pyspec.cli"]
    assert third_party_outside_its_module(g) == ["pyspec.explicit.a imports lark", "tracecheck.t imports z3"]
    assert tracecheck_uses_private_pyspec(g) == ["tracecheck.t -> pyspec.cli", "tracecheck.t -> pyspec.lang.x"]
    assert dynamic_imports(g) == ["tracecheck.u"]
    bad = lsp_outside_its_place(g)
    assert "pyspec.report.q -> pyspec.lsp.s" in bad and "pyspec.report.q imports lsprotocol" in bad
    assert "pyspec.lsp.s -> pyspec.api" in bad


def test_a_clean_synthetic_graph_passes():
    g: Graph = {
        "pyspec": {"pyspec.api"},
        "pyspec.api": {"pyspec.explicit.a", "pyspec.symbolic.b"},
        "pyspec.explicit.a": {"pyspec.lang.x", "pyspec.result"},
        "pyspec.lang.x": set(),
        "pyspec.lang.parser": {"lark"},
        "pyspec.symbolic.b": {"pyspec.result", "z3"},
        "pyspec.result": {"pyspec.lang.x"},
        "pyspec.report.r": {"pyspec.result"},
        "pyspec.cli": {"pyspec", "pyspec.report.r"},
        "pyspec.__main__": {"pyspec.cli"},  # `python -m pyspec`
        "tracecheck.t": {"pyspec", "pyspec.errors", "pyspec.types", "lark"},
        "pyspec.lsp.s": {"pygls", "lsprotocol", "pyspec.lang.x"},
    }
    assert find_cycle(g) is None
    for rule in RULES:
        assert rule(g) == [], rule.__name__


def test_relative_imports_and_submodules_resolve(tmp_path):
    f = tmp_path / "m.py"
    f.write_text(
        "from . import b\nfrom .c import X\nfrom .. import d\n\n"
        "def f():\n    from pyspec.lang import typed as T\n"
        "if TYPE_CHECKING:\n    from pyspec.result import Trace\n"
    )
    known = {"pkg.sub.b", "pkg.sub.c", "pkg.d", "pyspec.lang.typed"}
    expected = {"pkg.sub.b", "pkg.sub.c", "pkg.d", "pyspec.lang.typed"}
    assert _imports(f, "pkg.sub.m", False, known, include_type_only=False) == expected  # pkg/sub/m.py
    assert _imports(f, "pkg.sub", True, known, include_type_only=False) == expected  # pkg/sub/__init__.py
    assert _imports(f, "pkg.sub.m", False, known) == expected | {"pyspec.result"}

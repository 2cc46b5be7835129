"""The architecture's import edges (style.md, Layout): data flows one way."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def _modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), _imports(path)


def _top(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


def test_pyspec_never_imports_tracecheck():
    for mod, imps in _modules("pyspec"):
        assert "tracecheck" not in _top(imps), mod


def test_only_the_parser_imports_lark():
    for mod, imps in _modules("pyspec"):
        if mod != "pyspec/lang/parser.py":
            assert "lark" not in _top(imps), mod


def test_only_symbolic_imports_z3():
    for pkg in ("pyspec", "tracecheck"):
        for mod, imps in _modules(pkg):
            if not mod.startswith("pyspec/symbolic/"):
                assert "z3" not in _top(imps), mod


def test_explicit_does_not_import_symbolic():
    for mod, imps in _modules("pyspec"):
        if mod.startswith("pyspec/explicit/"):
            assert not any(i.startswith("pyspec.symbolic") for i in imps), mod


def test_lang_imports_no_engine():
    for mod, imps in _modules("pyspec"):
        if mod.startswith("pyspec/lang/"):
            bad = [i for i in imps if i.startswith(("pyspec.explicit", "pyspec.symbolic", "pyspec.report", "pyspec.cli"))]
            assert not bad, (mod, bad)


def test_nothing_imports_a_cli():
    for pkg in ("pyspec", "tracecheck"):
        for mod, imps in _modules(pkg):
            if not mod.endswith("cli.py"):
                assert not any(i.endswith(".cli") for i in imps), mod


def test_report_reads_results_not_engines():
    for mod, imps in _modules("pyspec"):
        if mod.startswith("pyspec/report/"):
            bad = [i for i in imps if i.startswith(("pyspec.explicit", "pyspec.symbolic", "pyspec.cli"))]
            assert not bad, (mod, bad)

"""Mapping file (TOML) -> `Mapping`: the spec, how to read the logs, and for each kind of record
the spec action it stands for, its arguments and the variables it observes.

Everything the validator needs is checked here, once, against the loaded spec: unknown keys,
actions, arguments, variables and types, expressions that do not type-check. Every such error
is a `MappingError` whose span points at the line of the mapping file.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field
from typing import Any, Iterator

import pyspec
from pyspec.errors import PyspecError, Span, SpecErrors
from pyspec.types import Binary, BoolT, Local, Type, Var
from tracecheck.convert import Converter, converter
from tracecheck.errors import MappingError
from tracecheck.locate import Locator

_NAME = re.compile(r"^[A-Za-z_]\w*$")

_TOP = ("spec", "log", "fields", "values", "hidden", "rule")
_SPEC_KEYS = ("file", "params")
_LOG_KEYS = ("format", "pattern", "grammar", "grammar_file", "order", "clock", "node", "kind", "unmatched", "skew")
_FIELD_KEYS = ("path", "type", "optional", "values")
_OPEN = "?"  # an argument the search chooses
_OLD = re.compile(r"\bold\s*\(")
_HIDDEN_KEYS = ("actions", "bound")
_RULE_KEYS = ("name", "when", "action", "args", "observe")
_FLOAT_MAX = sys.float_info.max  # a skew is compared as a float: an integer beyond it is no skew


@dataclass(frozen=True, slots=True)
class MappingWarning:
    """Something in the mapping that looks wrong but may be right (a `when` key that is no
    declared field and looks like a typo of one): the mapping loads, and the CLI prints it.
    With `path`, it is said only when no record read has that path (a real key of the
    records is no typo): decided after the records are read (Mapping.suspect_keys)."""

    span: Span
    message: str
    hint: str | None = None
    path: tuple[str, ...] | None = None

    def __str__(self) -> str:
        return (f"{self.span.file}:{self.span.line}:{self.span.col}: warning: {self.message}"
                + (f"\nhint: {self.hint}" if self.hint else ""))


@dataclass(frozen=True, slots=True)
class FieldDecl:
    """A typed record field: where it is in a record (a path of keys, or a regex group) and
    the spec type its value converts to. An optional field may be absent: the observations
    that read it are then skipped for that record."""

    name: str
    path: tuple[str, ...]
    ty: Type
    optional: bool
    convert: Converter = field(compare=False)
    span: Span = field(compare=False)
    table: str | None = None  # the value table the logged values go through


@dataclass(frozen=True, slots=True)
class ValueTable:
    """Logged value -> the value the field's type reads: a table of logged texts, or a regular
    expression whose first group is the value (`pattern = 'c(\\d+)'`). A list's elements go
    through it one by one."""

    name: str
    entries: dict[str, Any] | None
    pattern: Any  # compiled regex or None
    span: Span = field(compare=False)

    def translate(self, v: Any) -> Any:
        if isinstance(v, list):
            return [self.translate(x) for x in v]
        key = v if isinstance(v, str) else json.dumps(v)
        if self.entries is not None:
            try:
                return self.entries[key]
            except KeyError:
                shown = ", ".join(json.dumps(k) for k in list(self.entries)[:6]) + (", ..." if len(self.entries) > 6 else "")
                raise ValueError(f"{json.dumps(v)} is not in value table '{self.name}' ({shown})") from None
        m = self.pattern.fullmatch(key)
        if m is None:
            raise ValueError(f"{json.dumps(v)} does not match value table '{self.name}' (pattern {self.pattern.pattern!r})")
        return m.group(1) if m.re.groups else m.group(0)


@dataclass(frozen=True, slots=True)
class Arg:
    """An action argument: a bare field (`field`), an expression over fields (`expr`), or open
    (`"?"`, neither: the search tries every value of the parameter's type). An argument that
    reads an optional field is open in a record without it."""

    formal: str
    text: str
    field: str | None
    expr: Any  # pyspec.Expression or None
    fields: tuple[str, ...]
    open: bool = False
    optional: bool = False  # a bare optional field: open when absent


@dataclass(frozen=True, slots=True)
class Observation:
    """A bool expression over the state after the record's step and the record's fields.
    When its typed tree is `a == b` at the top, with one side reading spec variables,
    `sides` holds (state side text, its Expression, logged side text, its Expression) for
    the report."""

    text: str
    expr: Any  # pyspec.Expression
    fields: tuple[str, ...]
    span: Span
    sides: tuple[str, Any, str, Any] | None = None
    # `old(e)`: (binding name, e checked on its own) for each, evaluated in the state before
    # the step and bound in `expr` under the name
    pre: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Rule:
    index: int
    name: str
    when: tuple[tuple[tuple[str, ...], tuple[Any, ...]], ...]  # path -> the values it may have
    action: str | None  # None: the record only observes the state
    args: tuple[Arg, ...]
    observe: tuple[Observation, ...]
    fields: tuple[str, ...]  # every field the args and observations read
    span: Span


@dataclass(frozen=True, slots=True)
class LogFormat:
    format: str  # "jsonl" or "text"
    pattern: Any  # compiled regex (text)
    grammar: Any  # lark.Lark (text)
    order: str  # "file", "lamport" or "timestamp"
    clock: tuple[str, ...] | None
    node: tuple[str, ...] | None
    unmatched: str  # "reject" or "ignore"
    skew: float = 0.0  # timestamps closer than this may be in either order


@dataclass(frozen=True, slots=True)
class Mapping:
    file: str
    spec: Any  # pyspec.Spec
    compiled: Any  # the explicit engine's CompiledSpec
    params: dict[str, str]
    log: LogFormat
    fields: dict[str, FieldDecl]
    rules: tuple[Rule, ...]
    hidden: tuple[str, ...]
    hidden_bound: int
    locator: Locator = field(compare=False, repr=False)
    overrides: tuple[str, ...] = ()  # what the command line set: "--spec FILE", "-D N=3"
    warnings: tuple[MappingWarning, ...] = ()  # what may be wrong but may be right (the CLI prints them)
    # `when` keys that look like typos: a warning only if no record read has the key's path
    suspect_keys: tuple[MappingWarning, ...] = ()

    @property
    def uses_pre_state(self) -> bool:
        return any(o.pre for r in self.rules for o in r.observe)

    def default_invariants(self) -> tuple[str, ...]:
        """The invariants checked when none is named: the spec's own (an included file's are
        not), as `pyspec check` does."""
        return tuple(i.name for i in self.spec.invariants if i.default)


def load_mapping(path: str | os.PathLike, params: dict[str, str] | None = None,
                 spec: str | os.PathLike | None = None) -> Mapping:
    """Read and check a mapping file; `params` (-D NAME=VALUE) override the mapping's params
    and `spec` (--spec FILE, relative to the working directory) its spec file. Raises
    MappingError (with the mapping's file and line) or the spec's own errors."""
    path = os.fspath(path)
    try:
        text = read_small_file(path, "mapping file")
    except FileNotFoundError:
        raise MappingError(f"no such mapping file: {path}", code="TC101") from None
    except (OSError, UnicodeDecodeError) as e:
        raise MappingError(f"cannot read mapping file {path}: {e}", code="TC101") from None
    return loads_mapping(text, path, params, spec)


MAX_FILE = 16 << 20  # bytes: a mapping or grammar file larger than this is not one


def read_small_file(path: str, what: str) -> str:
    """The UTF-8 text of a regular file of at most MAX_FILE bytes; OSError (with the reason)
    for anything else: a device such as /dev/zero or a named pipe is never opened."""
    import stat

    mode = os.stat(path).st_mode  # before open(): opening a named pipe would wait for a writer
    if not stat.S_ISREG(mode):
        raise OSError(f"{path} is not a regular file; only regular files are read as a {what}")
    with open(path, "rb") as f:
        data = f.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise OSError(f"{path} is larger than {MAX_FILE >> 20} MiB, the limit for a {what}")
    return data.decode("utf-8").replace("\r\n", "\n")


def loads_mapping(text: str, file: str | os.PathLike = "<mapping>", params: dict[str, str] | None = None,
                  spec: str | os.PathLike | None = None) -> Mapping:
    """Like `load_mapping`, for the text of a mapping; relative paths are resolved against
    `file`'s directory."""
    file = os.fspath(file)
    loc = Locator(file, text)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
        raise MappingError(f"invalid TOML: {msg}", Span(file, line, col, line, col + 1), code="TC102") from None
    except ValueError:  # tomllib's int() of a literal past Python's digit limit (a plain ValueError)
        raise _long_integer(file, text) from None
    return _Loader(file, doc, loc, params or {}, None if spec is None else os.fspath(spec)).run()


def _cut(text: str, width: int = 80) -> str:
    """`text` as a message quotes it: cut short past `width` characters (the excerpt shows the line)."""
    return text if len(text) <= width else text[: width - 3] + "..."


def _long_integer(file: str, text: str) -> MappingError:
    """TC102 at the first integer literal longer than Python converts (sys.get_int_max_str_digits)."""
    limit = sys.get_int_max_str_digits()
    for i, line in enumerate(text.split("\n"), 1):
        for m in re.finditer(r"\d[\d_]*", line):
            digits = sum(c.isdigit() for c in m.group())
            if digits > limit:
                return MappingError(f"invalid TOML: an integer of {digits:,} digits, more than the {limit:,} that can be "
                                    "read", Span(file, i, m.start() + 1, i, m.end() + 1),
                                    hint="no spec type holds such a number; check the value", code="TC102")
    return MappingError(f"invalid TOML: an integer of more than {limit:,} digits", Span(file, 1, 1, 1, 2), code="TC102")


def _toml_kind(v: Any) -> str:
    """What a TOML value is, in TOML's words."""
    kinds = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array"}
    return kinds.get(type(v), "a date or time")


class _Loader:
    def __init__(self, file: str, doc: dict, loc: Locator, params: dict[str, str], spec: str | None = None) -> None:
        self.file, self.doc, self.loc, self.overrides, self.spec_override = file, doc, loc, params, spec
        self.base = os.path.dirname(file) if file not in ("<mapping>", "-") else "."
        self.warnings: list[MappingWarning] = []
        self.suspects: list[MappingWarning] = []

    # ---- helpers --------------------------------------------------------------------------

    def err(self, msg: str, table=None, index=0, key=None, needle=None, hint=None, *, code: str) -> MappingError:
        return MappingError(msg, self.loc.span(table, index, key, needle), hint=hint, code=code)

    def keys(self, d: Any, allowed: tuple[str, ...], table: str | None, index: int = 0, what: str = "") -> dict:
        if not isinstance(d, dict):
            raise self.err(f"{what or table} must be a table", table, index, key=table, code="TC103")
        for k in d:
            if k not in allowed:
                raise self.err(f"unknown key '{k}' in {what or '[' + str(table) + ']'}", table, index, key=k,
                               hint="known keys: " + ", ".join(allowed), code="TC103")
        return d

    def string(self, v: Any, table, key, index=0) -> str:
        if not isinstance(v, str):
            raise self.err(f"'{key}' must be a string", table, index, key=key, code="TC103")
        return v

    def expression(self, text: str, bindings: dict[str, str], what: str, table, index, key):
        """A pyspec Expression, with a spec error re-placed at the text's place in the mapping.
        Only the bindings the text names are passed: each one's type is parsed per expression."""
        try:
            return pyspec.expression(self.compiled, text, _named(text, bindings), file=self.file)
        except PyspecError as e:
            errors = e.errors if isinstance(e, SpecErrors) else (e,)
            base = self.loc.span(table, index, key, needle=text)
            first = errors[0] if errors else e
            span = base
            if first.span is not None and first.span.line == 1 and base.end_col - base.col == len(text):
                width = max(1, first.span.end_col - first.span.col) if first.span.end_line == 1 else 1
                span = Span(self.file, base.line, base.col + first.span.col - 1, base.line,
                            base.col + first.span.col - 1 + width)
            raise MappingError(f"{what} `{_cut(text)}`: {first.message}", span, hint=first.hint, code="TC110") from None

    # ---- the tables -----------------------------------------------------------------------

    def run(self) -> Mapping:
        self.keys(self.doc, _TOP, None, what="the mapping (top level)")
        self.load_spec()
        log = self.load_log()
        self.log = log
        self.tables = self.load_values()
        self.fields = self.load_fields()
        self.field_types = {n: self.field_type_text(n) for n in self.fields}
        hidden, bound = self.load_hidden()
        rules = self.load_rules()
        overrides = ((f"--spec {self.spec_override}",) if self.spec_override is not None else ()) + tuple(
            f"-D {k}={v}" for k, v in self.overrides.items())
        return Mapping(self.file, self.spec, self.compiled, self.params, log, self.fields, rules, hidden, bound, self.loc,
                       overrides, tuple(self.warnings), tuple(self.suspects))

    def load_spec(self) -> None:
        if "spec" not in self.doc:
            raise self.err("the mapping has no [spec] table", hint='add [spec] with file = "path/to/x.spec"', code="TC104")
        t = self.keys(self.doc["spec"], _SPEC_KEYS, "spec")
        if self.spec_override is not None:  # --spec: instead of the mapping's file, from the working directory
            path = self.spec_override
            if "file" in t:
                self.string(t["file"], "spec", "file")
        elif "file" not in t:
            raise self.err("[spec] has no 'file'", "spec", hint='file = "path/to/x.spec" (relative to the mapping)', code="TC104")
        else:
            path = os.path.normpath(os.path.join(self.base, self.string(t["file"], "spec", "file")))
        params = {}
        given = t.get("params", {})
        if not isinstance(given, dict):
            raise self.err(f"[spec] params must be a table of NAME = value, not {_toml_kind(given)}", "spec",
                           key="params", hint="params = { N = 3 }", code="TC103")
        for k, v in given.items():
            if isinstance(v, bool):
                params[k] = "True" if v else "False"
            elif isinstance(v, (int, str)):
                params[k] = str(v)
            else:
                raise self.err(f"param {k} must be an integer, a boolean or a string", "spec", key=k, code="TC103")
        params.update(self.overrides)
        self.params = params
        try:
            self.spec = pyspec.load(path, params)
        except PyspecError as e:
            errors = e.errors if isinstance(e, SpecErrors) else (e,)
            given_by = ", ".join(f"-D {k}={v}" for k, v in self.overrides.items())
            if errors and all(isinstance(x, pyspec.ParamError) for x in errors):
                by = f" (with {given_by} from the command line)" if given_by else ""
                raise self.err(f"spec params{by}: {e.message.removeprefix('-D ')}", "spec", key="params", hint=e.hint,
                               code="TC105") from None
            if e.span is None or getattr(e, "code", "") == "PS001":
                if self.spec_override is not None:
                    raise MappingError(f"spec given by --spec {self.spec_override} (instead of the mapping's [spec] file): "
                                       f"{e.message}", hint=e.hint, code="TC105") from None
                raise self.err(f"spec: {e.message}", "spec", key="file", hint=e.hint, code="TC105") from None
            raise
        self.compiled = pyspec.compile_spec(self.spec)
        self.var_names = {v.name for v in self.spec.vars}
        self.param_names = {p[0] for p in self.spec.params}

    def load_log(self) -> LogFormat:
        t = self.keys(self.doc.get("log", {}), _LOG_KEYS, "log")
        fmt = t.get("format", "jsonl")
        if fmt not in ("jsonl", "text"):
            raise self.err(f"unknown log format '{fmt}'", "log", key="format", hint='format = "jsonl" or "text"', code="TC106")
        pattern = grammar = None
        if fmt == "text":
            if "pattern" in t:
                try:
                    pattern = re.compile(self.string(t["pattern"], "log", "pattern"))
                except re.error as e:
                    raise self.err(f"bad regular expression: {e}", "log", key="pattern", code="TC106") from None
                if not pattern.groupindex:
                    raise self.err("the pattern has no named groups: write (?P<name>...) for each field",
                                   "log", key="pattern", code="TC106")
            elif "grammar" in t or "grammar_file" in t:
                grammar = self.load_grammar(t)
            else:
                raise self.err('a text log needs pattern = "regex with (?P<name>...) groups" or a lark grammar',
                               "log", key="format", code="TC106")
        elif "pattern" in t or "grammar" in t:
            raise self.err("'pattern' and 'grammar' are for format = \"text\"", "log", key="pattern" if "pattern" in t else "grammar", code="TC106")
        order = t.get("order", "file")
        if order not in ("file", "lamport", "timestamp"):
            raise self.err(f"unknown order '{order}'", "log", key="order", hint='order = "lamport", "timestamp" or "file"', code="TC106")
        clock = self.path(t["clock"], "log", "clock") if "clock" in t else None
        if order != "file" and clock is None:
            raise self.err(f'order = "{order}" needs clock = "the field with the clock"', "log", key="order", code="TC106")
        node = self.path(t["node"], "log", "node") if "node" in t else None
        unmatched = t.get("unmatched", "reject")
        if unmatched not in ("reject", "ignore"):
            raise self.err(f"unmatched must be \"reject\" or \"ignore\", not '{unmatched}'", "log", key="unmatched", code="TC106")
        skew = t.get("skew", 0)
        if isinstance(skew, bool) or not isinstance(skew, (int, float)) or not 0 <= skew < float("inf") or skew > _FLOAT_MAX:
            raise self.err("skew must be a finite number of clock units, 0 or more", "log", key="skew",
                           hint="skew = 0.001 (timestamps in seconds: a millisecond)", code="TC106")
        if skew and order != "timestamp":
            raise self.err(f'skew is for order = "timestamp" (wall clocks), not "{order}"', "log", key="skew", code="TC106")
        return LogFormat(fmt, pattern, grammar, order, clock, node, unmatched, float(skew))

    def load_grammar(self, t: dict):
        import lark

        if "grammar_file" in t:
            gpath = os.path.join(self.base, self.string(t["grammar_file"], "log", "grammar_file"))
            try:
                src = read_small_file(gpath, "grammar file")
            except (OSError, UnicodeDecodeError) as e:
                raise self.err(f"cannot read grammar file: {e}", "log", key="grammar_file", code="TC106") from None
        else:
            src = self.string(t["grammar"], "log", "grammar")
        try:
            return lark.Lark(src, start="start", parser="lalr")
        except lark.exceptions.LarkError as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise self.err(f"bad lark grammar: {first}", "log", key="grammar_file" if "grammar_file" in t else "grammar",
                           code="TC106") from None

    def path(self, v: Any, table: str, key: str, index: int = 0) -> tuple[str, ...]:
        s = self.string(v, table, key, index)
        parts = tuple(s.split("."))
        if not all(parts):
            raise self.err(f"bad field path '{s}'", table, index, key=key, hint='write a.b.c', code="TC103")
        return parts

    def load_fields(self) -> dict[str, FieldDecl]:
        t = self.doc.get("fields", {})
        if not isinstance(t, dict):
            raise self.err("[fields] must be a table", key="fields", code="TC103")
        out: dict[str, FieldDecl] = {}
        groups = set(self.doc_log_groups())
        for name, decl in t.items():
            span = self.loc.span("fields", 0, key=name)
            if not _NAME.match(name):
                raise MappingError(f"field name '{name}' is not an identifier", span, code="TC107")
            if name in self.var_names or name in self.param_names:
                kind = "variable" if name in self.var_names else "param"
                raise MappingError(f"field '{name}' has the name of a spec {kind}", span,
                                   hint=f'rename it and give its path: x_{name} = {{ path = "{name}", type = "..." }}', code="TC107")
            if isinstance(decl, str):
                decl = {"type": decl}
            self.keys(decl, _FIELD_KEYS, "fields", what=f"field '{name}'")
            if "type" not in decl:
                raise MappingError(f"field '{name}' has no type", span, hint='type = "Proc", "bool", "set[Proc]", ...', code="TC107")
            type_text = self.string(decl["type"], "fields", name)
            try:
                ty = pyspec.expression(self.compiled, "True", {name: type_text}, file=self.file).bindings[name][1]
            except PyspecError as e:
                raise MappingError(f"field '{name}': bad type '{_cut(type_text)}': {e.message}", self.loc.span("fields", 0, name, needle=type_text),
                                   hint=e.hint, code="TC107") from None
            try:
                conv = converter(ty)
            except ValueError as e:
                raise MappingError(f"field '{name}': {e}", span, code="TC107") from None
            path = self.path(decl.get("path", name), "fields", name)
            if groups and len(path) == 1 and path[0] not in groups:
                raise MappingError(f"field '{name}': the pattern has no group named '{path[0]}'", span,
                                   hint="groups: " + ", ".join(sorted(groups)), code="TC107")
            table = None
            if "values" in decl:
                table = self.field_table(name, decl["values"], ty, conv)
                conv = _through(table.translate, conv)
            optional = decl.get("optional", False)
            if not isinstance(optional, bool):
                raise self.err(f"field '{name}': optional must be true or false", "fields", key="optional", code="TC107")
            out[name] = FieldDecl(name, path, ty, optional, conv, span, table.name if table is not None else None)
        return out

    def load_values(self) -> dict[str, ValueTable]:
        """[values.NAME]: value tables, each `"logged" = value` entries or `pattern = 're(gex)'`."""
        t = self.doc.get("values", {})
        if not isinstance(t, dict):
            raise self.err("[values] must be a table of value tables", key="values", code="TC114")
        return {name: self.value_table(name, v, f"values.{name}") for name, v in t.items()}

    def value_table(self, name: str, t: Any, where: str) -> ValueTable:
        span = self.loc.span(where, 0) if self.loc.has(where) else self.loc.span("values", 0, key=name)
        if not isinstance(t, dict) or not t:
            raise MappingError(f"value table '{name}' must be a non-empty table: \"logged\" = value entries, "
                               "or pattern = 'regex with one (group)'", span,
                               hint='[values.client]\n"c1" = 0\n"c2" = 1', code="TC114")
        if "pattern" in t:
            if len(t) != 1 or not isinstance(t["pattern"], str):
                raise MappingError(f"value table '{name}': a pattern table holds only pattern = 'regex'", span,
                                   hint="write the entries in a table of their own", code="TC114")
            try:
                rx = re.compile(t["pattern"])
            except re.error as e:
                raise MappingError(f"value table '{name}': bad regular expression: {e}", span, code="TC114") from None
            if rx.groups > 1:
                raise MappingError(f"value table '{name}': the pattern has {rx.groups} groups; the value is the one group",
                                   span, hint=r"use (?:...) for groups that are not the value", code="TC114")
            return ValueTable(name, None, rx, span)
        for k, v in t.items():
            if isinstance(v, (dict, list)) or not isinstance(v, (bool, int, str)):
                raise self.err(f"value table '{name}': \"{k}\" must map to an integer, a boolean or a string, "
                               f"not {_toml_kind(v) if not isinstance(v, dict) else 'a table'}", where, key=k, code="TC114")
        return ValueTable(name, dict(t), None, span)

    def field_table(self, field_name: str, v: Any, ty: Type, conv: Converter) -> ValueTable:
        """The value table of a field (`values = "client"` or an inline table), every entry
        checked against the field's type."""
        if isinstance(v, str):
            table = self.tables.get(v)
            if table is None:
                known = ", ".join(self.tables) or "none"
                raise self.err(f"field '{field_name}': no value table '{v}'", "fields", key="values", needle=f'"{v}"',
                               hint=f"value tables ([values.NAME]): {known}", code="TC114")
        else:
            table = self.value_table(field_name, v, "fields")
        for k, x in (table.entries or {}).items():
            try:
                conv(x)
            except ValueError as e:
                where = f"values.{table.name}" if self.loc.has(f"values.{table.name}") else "fields"
                raise self.err(f"value table '{table.name}': \"{k}\" = {json.dumps(x)}: {e}, so it is not a {ty.show()} "
                               f"(field '{field_name}')", where, key=k, code="TC114") from None
        return table

    def doc_log_groups(self) -> list[str]:
        t = self.doc.get("log", {})
        if t.get("format") == "text" and isinstance(t.get("pattern"), str):
            try:
                return list(re.compile(t["pattern"]).groupindex)
            except re.error:
                return []
        return []

    def load_hidden(self) -> tuple[tuple[str, ...], int]:
        t = self.keys(self.doc.get("hidden", {}), _HIDDEN_KEYS, "hidden")
        actions = t.get("actions", [])
        if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            raise self.err("[hidden] actions must be a list of action names", "hidden", key="actions", code="TC103")
        for a in actions:
            self.check_action(a, "hidden", 0, "actions")
        bound = t.get("bound", 0)
        if not isinstance(bound, int) or bound < 0:
            raise self.err("[hidden] bound must be a non-negative integer", "hidden", key="bound", code="TC103")
        return tuple(actions), bound

    def check_action(self, name: str, table: str, index: int, key: str):
        a = self.spec.action(name)
        if a is None:
            known = [x.name for x in self.spec.actions]
            import difflib

            close = difflib.get_close_matches(name, known, n=1)
            raise self.err(f"spec {self.spec.name} has no action '{name}'", table, index, key=key, needle=f'"{name}"',
                           hint=(f"did you mean '{close[0]}'? " if close else "") + "actions: " + ", ".join(known), code="TC108")
        return a

    def load_rules(self) -> tuple[Rule, ...]:
        rules = self.doc.get("rule", [])
        if not isinstance(rules, list):
            raise self.err("rules are written [[rule]]", key="rule", code="TC103")
        if not rules:
            raise self.err("the mapping has no [[rule]]", hint='add [[rule]] with when = {...}, action = "..."', code="TC104")
        return tuple(self.load_rule(i, r) for i, r in enumerate(rules))

    def load_rule(self, i: int, r: Any) -> Rule:
        self.keys(r, _RULE_KEYS, "rule", i, what=f"[[rule]] #{i + 1}")
        when = r.get("when", {})
        if not isinstance(when, dict):
            raise self.err("'when' must be a table: when = { event = \"step\" }", "rule", i, key="when", code="TC103")
        self.untranslated: list[tuple[str, str, MappingError]] = []
        conds = tuple(self.when_condition(k, v, i) for k, v in when.items())
        name = r.get("name") or (", ".join(f"{k} = {json.dumps(v)}" for k, v in when.items()) or f"rule {i + 1}")
        action = r.get("action")
        formals: tuple = ()
        if action is not None:
            a = self.check_action(self.string(action, "rule", "action", i), "rule", i, "action")
            formals = a.formals
        args_t = r.get("args", {})
        if not isinstance(args_t, dict):
            raise self.err("'args' must be a table: args = { p = \"node\" }", "rule", i, key="args", code="TC103")
        if action is None and args_t:
            raise self.err("'args' without an 'action'", "rule", i, key="args", code="TC103")
        known = [f.name for f in formals]
        for k in args_t:
            if k not in known:
                raise self.err(f"action {action} has no parameter '{k}'", "rule", i, key=k,
                               hint="parameters: " + (", ".join(known) or "none"), code="TC109")
        args = []
        for f in formals:
            if f.name not in args_t:
                raise self.err(f"rule gives no value for {action}'s parameter '{f.name}'", "rule", i, key="action",
                               hint=f'args = {{ {f.name} = "a field or an expression over fields" }}, or '
                                    f'{f.name} = "?" to leave it open (the search tries every {f.ty.show()})', code="TC109")
            args.append(self.load_arg(f, args_t[f.name], i))
        obs_t = r.get("observe", [])
        if isinstance(obs_t, str):
            obs_t = [obs_t]
        if not isinstance(obs_t, list) or not all(isinstance(o, str) for o in obs_t):
            raise self.err("'observe' must be a list of expressions", "rule", i, key="observe", code="TC103")
        observe = tuple(self.load_observation(o, i) for o in obs_t)
        used: list[str] = []
        for x in [*(a.fields for a in args), *(o.fields for o in observe)]:
            used.extend(n for n in x if n not in used)
        for field_name, _, error in self.untranslated:
            if field_name in used:  # every record the `when` selects would fail to convert the field it reads
                raise error
        return Rule(i, name, conds, action, tuple(args), observe, tuple(used), self.loc.span("rule", i))

    def field_type_text(self, name: str) -> str:
        """The type of field `name` as written in [fields]."""
        decl = self.doc["fields"][name]
        return decl if isinstance(decl, str) else decl["type"]

    def when_condition(self, key: str, v: Any, i: int) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """A `when` key and its values, checked against the fields: a declared field (by name
        or path) must be able to hold each value; a key of a text log must be a field its
        pattern or grammar gives; a key of a JSON log that is not declared and looks like a typo
        of a name the mapping knows is a warning (it may be a real key). A list is any of its values."""
        path = self.path(key, "rule", key, i)
        values = tuple(v) if isinstance(v, list) else (v,)
        if not values or not all(isinstance(x, (str, int, float)) for x in values):
            what = "an empty list" if not values else f"{_toml_kind(v) if not isinstance(v, dict) else 'a table'}"
            raise self.err(f"when {key}: a value must be a string, a number or a boolean (a list: any of them), not {what}",
                           "rule", i, key=key, hint='when = { event = "step" } or when = { event = ["step", "tick"] }',
                           code="TC113")
        decl = self.fields.get(key) or next((f for f in self.fields.values() if f.path == path), None)
        if decl is not None:
            for x in values:
                try:
                    decl.convert(x)
                except ValueError as e:
                    if decl.table is not None:
                        # a value table translates the values its field takes, not every value logged at that
                        # path (records of another kind may log others there): an error only if the rule reads it
                        self.untranslated.append((decl.name, key, self.err(
                            f"when {key} = {json.dumps(x)}: {e}, and the rule reads field '{decl.name}', so every record "
                            f"it selects fails to convert", "rule", i, key=key, code="TC113")))
                        continue
                    raise self.err(f"when {key} = {json.dumps(x)}: {e}, so no record can match (field '{decl.name}' is a "
                                   f"{decl.ty.show()})", "rule", i, key=key, code="TC113") from None
            return decl.path, values
        names = self.log_field_names()
        if names is not None:
            if key not in names:
                close = difflib.get_close_matches(key, sorted(names), n=1)
                raise self.err(f"when {key}: the log's {'pattern' if self.log.pattern is not None else 'grammar'} gives "
                               f"no field '{key}', so no record can match", "rule", i, key=key,
                               hint=(f"did you mean '{close[0]}'? " if close else "") + "fields: " + ", ".join(sorted(names)),
                               code="TC113")
            return path, values
        known = {".".join(f.path) for f in self.fields.values()} | set(self.fields)
        known |= {".".join(p) for p in (self.log.clock, self.log.node) if p}
        counts: dict[str, int] = {}
        for r in self.doc.get("rule", []):
            if isinstance(r, dict) and isinstance(r.get("when"), dict):
                for k in r["when"]:
                    counts[k] = counts.get(k, 0) + 1
        others = sorted(k for k in known | {k for k, c in counts.items() if c >= counts.get(key, 0) and k != key}
                        if k != key)
        close = difflib.get_close_matches(key, others, n=1, cutoff=0.75)
        if close and key not in known:  # maybe a typo, maybe a real key of the records: decided on the records
            self.suspects.append(MappingWarning(
                self.loc.span("rule", i, key), f"when {key}: no record read has a key '{key}', and it looks like a typo "
                f"of '{close[0]}'", f"did you mean '{close[0]}'? declare the record's keys in [fields] to have them checked",
                path))
        return path, values

    def log_field_names(self) -> set[str] | None:
        """The fields a text log's pattern or grammar gives (None for JSON lines)."""
        if self.log.pattern is not None:
            return set(self.log.pattern.groupindex)
        if self.log.grammar is not None:
            g = self.log.grammar
            names = {t.name.lower() for t in g.terminals if not t.name.startswith("__")}
            names |= {r.origin.name for r in g.rules if isinstance(r.origin.name, str) and not r.origin.name.startswith("_")}
            return names
        return None

    def load_arg(self, formal, text: Any, i: int) -> Arg:
        text = self.string(text, "rule", formal.name, i)
        if text.strip() == _OPEN:
            return Arg(formal.name, text, None, None, (), open=True)
        e = self.expression(text, self.field_types, f"argument {formal.name}", "rule", i, formal.name)
        if _reads_state(e.expr):
            raise self.err(f"argument {formal.name} = `{text}` reads spec variables; arguments come from the record's fields",
                           "rule", i, key=formal.name, needle=text, code="TC111")
        used = _fields_read(e)
        bare = _field_of(e, e.expr)
        if bare is not None:
            f = self.fields[bare]
            if type(f.ty) is not type(formal.ty):
                raise self.err(f"argument {formal.name}: field '{f.name}' has type {f.ty.show()}, the action expects {formal.ty.show()}",
                               "rule", i, key=formal.name, needle=text, code="TC111")
            return Arg(formal.name, text, f.name, None, used, optional=f.optional)
        if type(e.ty) is not type(formal.ty):
            raise self.err(f"argument {formal.name} = `{text}` has type {e.ty.show()}, the action expects {formal.ty.show()}",
                           "rule", i, key=formal.name, needle=text, code="TC111")
        return Arg(formal.name, text, None, e, used)

    def load_observation(self, text: str, i: int) -> Observation:
        rewritten, olds = self.pre_state(text, i)
        bindings = dict(self.field_types)
        pre: list[tuple[str, Any]] = []
        used: list[str] = []
        for name, inner in olds:
            ie = self.expression(inner, self.field_types, f"observation `{text}`: old(...)", "rule", i, "observe")
            bindings[name] = ie.ty.show()
            pre.append((name, ie))
            used.extend(f for f in _fields_read(ie) if f not in used)
        e = self.expression(rewritten, bindings, "observation", "rule", i, "observe") if olds else \
            self.expression(text, bindings, "observation", "rule", i, "observe")
        span = self.loc.span("rule", i, "observe", needle=text)
        if not isinstance(e.ty, BoolT):
            raise MappingError(f"observation `{text}` has type {e.ty.show()}; an observation must be true or false",
                               span, hint=f"compare it with a field: {text} == some_field", code="TC112")
        used.extend(f for f in _fields_read(e) if f not in used and f in self.fields)
        return Observation(text, e, tuple(used), span, None if olds else self.sides(text, e), tuple(pre))

    def pre_state(self, text: str, i: int) -> tuple[str, list[tuple[str, str]]]:
        """`text` with each `old(e)` replaced by a name bound to e's value in the state before
        the step, and (name, e) for each."""
        out: list[str] = []
        olds: list[tuple[str, str]] = []
        pos = 0
        for m in _OLD.finditer(text):
            if m.start() < pos:
                continue
            depth, j, quote = 1, m.end(), ""
            while j < len(text) and depth:
                ch = text[j]
                if quote:
                    quote = "" if ch == quote else quote
                elif ch in "\"'":
                    quote = ch
                elif ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                j += 1
            inner = text[m.end() : j - 1]
            if depth or not inner.strip():
                raise self.err(f"observation `{text}`: old( needs an expression and a closing parenthesis",
                               "rule", i, key="observe", needle=text, hint="old(holder) == who", code="TC110")
            if _OLD.search(inner):
                raise self.err(f"observation `{text}`: old(...) inside old(...)", "rule", i, key="observe", needle=text,
                               code="TC110")
            name = f"old__{len(olds) + 1}"
            out.append(text[pos : m.start()] + name)
            olds.append((name, inner))
            pos = j
        out.append(text[pos:])
        return "".join(out), olds

    def sides(self, text: str, e) -> tuple[str, Any, str, Any] | None:
        """(state side text, its Expression, logged side text, its Expression) when the typed
        tree of observation `text` is `a == b` at the top and exactly one side reads spec
        variables, else None."""
        b = e.expr
        if not isinstance(b, Binary) or b.op != "eq":
            return None
        left_reads, right_reads = _reads_state(b.left), _reads_state(b.right)
        if left_reads == right_reads:
            return None
        texts = _operand_texts(text, self.file, e, b)
        if texts is None:
            return None
        state_text, logged_text = texts if left_reads else texts[::-1]
        state_node, logged_node = (b.left, b.right) if left_reads else (b.right, b.left)
        return (state_text, e.part(state_node), logged_text, e.part(logged_node))


# ---- reading a checked expression's typed tree ------------------------------------------------


def _nodes(node: Any) -> Iterator[Any]:
    """Every node of a typed tree (generators included), parents first, children left to
    right. Types, spans and constant values are leaves' data, not nodes."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        kids: list = []
        for f in dataclasses.fields(n):
            v = getattr(n, f.name)
            for x in v if isinstance(v, tuple) else (v,):
                if dataclasses.is_dataclass(x) and not isinstance(x, (Type, Span)):
                    kids.append(x)
        stack.extend(reversed(kids))


def _field_of(e, node: Any) -> str | None:
    """The record field `node` reads when it is a free local of `e` (one of its bindings;
    a comprehension's own variables have other slots), else None."""
    if isinstance(node, Local):
        bound = e.bindings.get(node.name)
        if bound is not None and bound[0] == node.slot:
            return node.name
    return None


_WORD = re.compile(r"[A-Za-z_]\w*")


def _named(text: str, bindings: dict[str, str]) -> dict[str, str]:
    """The bindings whose names occur in `text` as words."""
    words = set(_WORD.findall(text))
    return {k: v for k, v in bindings.items() if k in words}


def _through(translate: Converter, convert: Converter) -> Converter:
    def both(v: Any) -> Any:
        return convert(translate(v))

    return both


def _fields_read(e) -> tuple[str, ...]:
    """The record fields expression `e` reads, in the order they occur."""
    out: list[str] = []
    for n in _nodes(e.expr):
        name = _field_of(e, n)
        if name is not None and name not in out:
            out.append(name)
    return tuple(out)


def _reads_state(node: Any) -> bool:
    """Whether `node` reads a spec variable (directly, or through a def expanded in it)."""
    return any(isinstance(n, Var) for n in _nodes(node))


def _operand_texts(text: str, file: str, e, b) -> tuple[str, str] | None:
    """The text of the two operands of `b`, the top-level `==` of observation `text`, read
    from the positions the parser gave the typed nodes. A field carries no position (its node
    is the binding's), so its text is its name. An operand expanded from a def has its
    position in the spec, so its text is what lies between the operator and the edge of `b`;
    the operator is found from the other operand, after the left one or before the right one.
    A compound side keeps the parentheses the user wrote around it. None when `b` itself comes
    from a def or no position says where the operator is."""
    whole = _place(text, file, b.span)
    if whole is None:
        return None
    start, end = whole
    places = [_place(text, file, x.span) for x in (b.left, b.right)]
    names = [_field_of(e, x) for x in (b.left, b.right)]
    if places[0] is not None:
        op = text.find("==", places[0][1], end)
    elif places[1] is not None:
        op = text.rfind("==", start, places[1][0])
    elif names[0] is not None:  # a name holds no `==`: the first one is the operator
        op = text.find("==", start, end)
    elif names[1] is not None:
        op = text.rfind("==", start, end)
    else:
        return None
    if op < 0:
        return None
    outer = ((start, op), (op + 2, end))
    out = []
    for place, name, (lo, hi) in zip(places, names, outer):
        written = text[lo:hi].strip()  # with the user's parentheses
        if place is not None:
            inner = text[place[0] : place[1]]
            # keep parentheses around a compound side: `(phase[c] == "done") = False`
            out.append(written if " " in inner and written != inner else inner)
        elif name is not None:
            out.append(name)
        else:
            out.append(written)
    return out[0], out[1]


def _place(text: str, file: str, span: Span) -> tuple[int, int] | None:
    """(start, end) offsets in `text` of `span`, when the span is in `text` (checked as `file`)."""
    if span.file != file or span.line < 1:
        return None
    lines = text.split("\n")
    if span.end_line > len(lines):
        return None
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    lo, hi = starts[span.line - 1] + span.col - 1, starts[span.end_line - 1] + span.end_col - 1
    if not 0 <= lo < hi <= len(text):
        return None
    return lo, hi


__all__ = ["Mapping", "MappingWarning", "Rule", "Arg", "Observation", "FieldDecl", "LogFormat", "load_mapping", "loads_mapping"]

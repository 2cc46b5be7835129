"""The timeline model behind the HTML pages, and its builders from traces.

A `Timeline` is neutral data: lanes (one per process), events in order (each on one lane, with
its label, the state after it and the variables it changed, and marks such as the violated
invariant), arrows between events (messages), shaded bands across lanes (invariant spans), a
series of numbers along the events (tracecheck's frontier sizes) and spec source excerpts.
`pyspec.report.timeline_html` draws it; this module builds it from a pyspec `Trace` or from any
trace in the Informal Trace Format (ours, Apalache's, Quint's); tracecheck builds one from a log.

Lanes are inferred, never guessed silently: for a pyspec trace, from the spec's types (an
action acts on the lane of its first parameter declared with a named type, and every such type
gives a lane per value; a comment `# timeline: lanes = TYPE` in the spec names the only lane
type instead); for an ITF trace without types, from the keys that most maps share. The
initial state and the actions with no such parameter go to a lane "env". Messages are honest
and simple: an element of a set-valued variable that a step picked with a choice (the engine
says which) is an arrow from the step that added it; an element nobody picked, added at step
i, is an arrow from i to the first later step that removes it or whose arguments equal the
element's fields of the same names.
"""

from __future__ import annotations

import collections
import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from pyspec.lang.types import BagT, MapT, SetT, Type, domain, to_itf
from pyspec.report.trace import trace_to_itf
from pyspec.result import Trace

ENV = "env"
_MAX_ARROWS = 5000  # a page stays readable; the count of those left out is in the summary
_PRAGMA = re.compile(r"^\s*#\s*timeline:\s*lanes\s*=\s*([A-Za-z_][A-Za-z0-9_]*)\s*$", re.M)


@dataclass(frozen=True, slots=True)
class Lane:
    key: str  # the process, as the spec writes it ("0", "\"storage\""), or "env"
    label: str


@dataclass(frozen=True, slots=True)
class Event:
    """One step or record. `state`: (name, value) pairs shown when it is selected (a step's
    whole state, a record's fields); `changed`: the names whose value this step changed;
    `marks`: "initial", "violation", "divergence", "stopped", "loop"; `note`: why it is marked."""

    lane: int
    label: str
    state: tuple[tuple[str, str], ...] = ()
    changed: tuple[str, ...] = ()
    detail: str = ""
    marks: tuple[str, ...] = ()
    note: str = ""
    picks: tuple[tuple[str, str], ...] = ()  # (name, value) of each choice the step made (`m in S`)
    delta: tuple[tuple[str, str, str], ...] = ()  # (set variable, added, removed), formatted
    tables: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # more (caption, name-value rows) to show


@dataclass(frozen=True, slots=True)
class Arrow:
    source: int  # event indices
    target: int
    label: str


@dataclass(frozen=True, slots=True)
class Band:
    """Events first..last (inclusive) shaded across every lane."""

    first: int
    last: int
    label: str
    strong: bool = True  # definitely (every candidate state) rather than possibly


@dataclass(frozen=True, slots=True)
class Excerpt:
    """Spec source lines `first`.. (1-based) with the lines in `marked` highlighted."""

    title: str
    file: str
    first: int
    text: str
    marked: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Timeline:
    title: str
    verdict: str  # "violated", "conforms", ...: the page's colour and headline
    summary: tuple[str, ...]
    lanes: tuple[Lane, ...]
    events: tuple[Event, ...]
    arrows: tuple[Arrow, ...] = ()
    bands: tuple[Band, ...] = ()
    series: tuple[tuple[int, int], ...] = ()  # (event index, value), in event order
    series_label: str = ""
    excerpts: tuple[Excerpt, ...] = ()
    loop: int | None = None  # a lasso: the event the last one loops back to
    selected: int | None = None  # the event selected when the page opens
    number_from: int = 0  # the number shown for the first event (0: a trace's initial state; 1: a log's first record)


def read_source(path: str) -> str | None:
    """A spec file's text, or None when it cannot be read (the page then has no excerpt)."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return None


# ---- values in the Informal Trace Format -----------------------------------------------------


def format_itf(v: Any) -> str:
    """An ITF value in the spec's notation ({0, 1}, {0: True}, Phase1a(bal=1), (1, 2))."""
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(format_itf(x) for x in v) + "]"
    if isinstance(v, dict):
        if "#bigint" in v:
            return str(v["#bigint"])
        if "#set" in v:
            return "{" + ", ".join(format_itf(x) for x in v["#set"]) + "}"
        if "#map" in v:
            return "{" + ", ".join(f"{format_itf(k)}: {format_itf(x)}" for k, x in v["#map"]) + "}"
        if "#tup" in v:
            xs = v["#tup"]
            return "(" + ", ".join(format_itf(x) for x in xs) + ("," if len(xs) == 1 else "") + ")"
        if "#unserializable" in v:
            return str(v["#unserializable"])
        if set(v) == {"tag", "value"}:
            inner = v["value"]
            if isinstance(inner, dict) and not any(k.startswith("#") for k in inner):
                return f"{v['tag']}(" + ", ".join(f"{k}={format_itf(x)}" for k, x in inner.items()) + ")"
            return str(v["tag"]) if inner in ({}, {"#tup": []}) else f"{v['tag']}({format_itf(inner)})"
        return "{" + ", ".join(f"{k}: {format_itf(x)}" for k, x in v.items() if not k.startswith("#")) + "}"
    return str(v)


def _canon(v: Any) -> str:
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


def _is_scalar(v: Any) -> bool:
    return isinstance(v, (bool, int, str)) or (isinstance(v, dict) and set(v) == {"#bigint"})


# ---- steps of an ITF trace ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Step:
    action: str | None
    args: tuple[tuple[str, Any], ...]  # (name, ITF value)
    state: dict[str, Any]
    picks: tuple[tuple[str, Any], ...] = ()  # (name, ITF value) of each choice the step made


_QUINT_ACTION = "mbt::actionTaken"
_QUINT_PICKS = "mbt::nondetPicks"


def _steps(doc: dict[str, Any]) -> tuple[tuple[str, ...], list[_Step]]:
    """The variables and the steps of an ITF document (assumed well-formed: see `pyspec.report.itf`).
    The action and its arguments come from our `#meta` or from Quint's `mbt::` variables."""
    names = tuple(str(n) for n in doc.get("vars") or ())
    states = doc["states"]
    if not names and states:
        names = tuple(k for k in states[0] if not k.startswith("#"))
    shown = tuple(n for n in names if not n.startswith("mbt::"))
    out: list[_Step] = []
    for st in states:
        meta = st.get("#meta") if isinstance(st.get("#meta"), dict) else {}
        action = meta.get("action")
        args: tuple[tuple[str, Any], ...] = tuple((str(k), x) for k, x in (meta.get("args") or {}).items())
        if action is None and isinstance(st.get(_QUINT_ACTION), str):
            action = st[_QUINT_ACTION]
            nondet = st.get(_QUINT_PICKS)
            if isinstance(nondet, dict):
                args = tuple((k, x["value"]) for k, x in nondet.items()
                             if isinstance(x, dict) and x.get("tag") == "Some" and "value" in x)
        picks: tuple[tuple[str, Any], ...] = ()
        if isinstance(meta.get("picks"), dict):
            picks = tuple((str(k), x) for k, x in meta["picks"].items())
        # the first state is the initial one, whatever its action says (Quint: "init")
        out.append(_Step(action if out else None, args if out else (), {n: st.get(n) for n in shown},
                         picks if out else ()))
    return shown, out


# ---- lanes -----------------------------------------------------------------------------------


def _lanes_from_maps(steps: list[_Step]) -> list[Any] | None:
    """The key set most maps share (scalar keys only), in the order the first map lists it."""
    if not steps:
        return None
    counts: dict[str, int] = {}
    keys_of: dict[str, list[Any]] = {}
    for v in steps[0].state.values():
        if isinstance(v, dict) and "#map" in v and v["#map"] and all(_is_scalar(k) for k, _ in v["#map"]):
            keys = [k for k, _ in v["#map"]]
            c = _canon(sorted(keys, key=_canon))
            counts[c] = counts.get(c, 0) + 1
            keys_of.setdefault(c, keys)
    if not counts:
        return None
    best = max(counts, key=lambda c: (counts[c], len(keys_of[c]), c))
    return keys_of[best]


def _lanes_from_args(steps: list[_Step]) -> tuple[list[Any], str] | None:
    """Without maps: the values of the argument name most steps carry."""
    counts: dict[str, int] = {}
    for s in steps:
        for n, v in s.args:
            if _is_scalar(v):
                counts[n] = counts.get(n, 0) + 1
    if not counts:
        return None
    name = max(sorted(counts), key=lambda n: counts[n])
    values = {_canon(v): v for s in steps for n, v in s.args if n == name and _is_scalar(v)}
    return [values[c] for c in sorted(values, key=lambda c: _order(values[c]))], name


def _order(v: Any) -> tuple[int, int, str]:
    if isinstance(v, int) and not isinstance(v, bool):
        return (0, v, "")
    return (1, 0, _canon(v))


def timeline_from_itf(
    doc: dict[str, Any],
    *,
    title: str,
    verdict: str = "trace",
    violated: str | None = None,
    summary: Sequence[str] = (),
    lanes: Sequence[Any] | None = None,
    lane_args: dict[str, Any] | None = None,
    excerpts: Sequence[Excerpt] = (),
    first_label: str = "initial state",
    lane_groups: Sequence[tuple[str, Sequence[Any]]] | None = None,
    invariant_reads: tuple[tuple[str, str], ...] = (),
    invariant_clause: str = "",
    bags: Sequence[str] = (),
) -> Timeline:
    """A timeline of an ITF trace. `bags`: the variables that hold bags (ITF writes a bag as
    a map to counts, which only the type tells from a map): their messages are drawn too. `lanes`: the process values (ITF), inferred when None;
    `lane_groups`: instead, (type name, its values) for each type whose values are lanes
    (lanes "Acceptor 0", ..., "Ballot 0", ...); `lane_args`: per action, the argument naming
    its process (None: no process; with groups, (argument, type name); an action not listed:
    its first argument whose value is a process). A violated invariant marks the last state,
    with `invariant_reads` (what its false conjunct reads) in its note; an ITF `loop` index
    marks the lasso's loop. A step's `#meta` `picks` (the values its choices took) are shown
    in its label and details, and draw message arrows."""
    names, steps = _steps(doc)
    index: dict[tuple[str, str], int] = {}
    lane_list: list[Lane] = []
    if lane_groups is not None:
        for group, values in lane_groups:
            for v in values:
                index[(group, _canon(v))] = len(lane_list)
                lane_list.append(Lane(format_itf(v), f"{group} {format_itf(v)}"))
    else:
        lane_values: list[Any]
        if lanes is not None:
            lane_values = list(lanes)
        else:
            lane_values = _lanes_from_maps(steps) or []
            if not lane_values:
                by_args = _lanes_from_args(steps)
                if by_args is not None:
                    lane_values = by_args[0]
        for v in lane_values:
            index[("", _canon(v))] = len(lane_list)
            lane_list.append(Lane(format_itf(v), f"process {format_itf(v)}" if not isinstance(v, str) else v))
    env = len(lane_list)

    def lane_of(i: int, s: _Step) -> int:
        if i == 0:
            return env
        if s.action is None:  # no action recorded (Apalache): the one process whose map entries changed
            return _changed_lane(steps[i - 1], s, index, env)
        wanted: Any = ""
        group = ""
        if lane_args is not None and s.action in lane_args:
            wanted = lane_args[s.action]
            if wanted is None:
                return env
            if isinstance(wanted, tuple):
                wanted, group = wanted
        for n, v in s.args:
            if (wanted == "" or n == wanted) and (group, _canon(v)) in index:
                return index[(group, _canon(v))]
        return env

    placed = [lane_of(i, s) for i, s in enumerate(steps)]
    events = []
    prev: dict[str, str] | None = None
    for i, s in enumerate(steps):
        canon = {n: _canon(s.state.get(n)) for n in names}
        changed = tuple(n for n in names if prev is not None and canon[n] != prev[n])
        prev = canon
        marks: list[str] = []
        note = ""
        if i == 0:
            label = first_label
            marks.append("initial")
        elif s.action is None:
            label = "step (action not recorded): " + (", ".join(changed) + " changed" if changed else "nothing changed")
        else:
            label = f"{s.action}(" + ", ".join(f"{n}={format_itf(v)}" for n, v in s.args) + ")"
            if s.picks:
                label += " with " + ", ".join(f"{n} = {format_itf(v)}" for n, v in s.picks)
        if violated and i == len(steps) - 1:
            marks.append("violation")
            note = f"invariant {violated} is false in this state"
            if invariant_clause:
                note += "\n" + invariant_clause
            if invariant_reads:
                note += "\n" + "\n".join(f"  {k} = {v}" for k, v in invariant_reads)
        shown = tuple((n, format_itf(s.state.get(n))) for n in names)
        delta = _set_changes(names, steps[i - 1], s) if i > 0 else ()
        picks = tuple((n, format_itf(v)) for n, v in s.picks)
        events.append(Event(placed[i], label, shown, changed, marks=tuple(marks), note=note, picks=picks, delta=delta))
    loop = doc.get("loop") if isinstance(doc.get("loop"), int) and 0 <= doc["loop"] < len(events) else None
    if loop is not None:
        events[loop] = _with_mark(events[loop], "loop", "the lasso's loop starts here")
    arrows, dropped = _message_arrows(names, steps, tuple(bags))
    used_env = any(p == env for p in placed)
    if used_env or not lane_list:
        lane_list.append(Lane(ENV, "env"))
    lines = list(summary)
    if dropped:
        lines.append(f"{dropped:,} message arrows not drawn (more than {_MAX_ARROWS:,})")
    return Timeline(title, verdict, tuple(lines), tuple(lane_list), tuple(events), tuple(arrows), excerpts=tuple(excerpts),
                    loop=loop, selected=len(events) - 1 if violated and events else (loop if loop is not None else None))


def _set_changes(names: tuple[str, ...], before: _Step, after: _Step) -> tuple[tuple[str, str, str], ...]:
    """(variable, added, removed) for each set-valued variable the step changed, the elements
    in the order the trace lists them ("" when none)."""
    out = []
    for n in names:
        old, new = before.state.get(n), after.state.get(n)
        if not (isinstance(old, dict) and "#set" in old and isinstance(new, dict) and "#set" in new):
            continue
        was = {_canon(x) for x in old["#set"]}
        now = {_canon(x) for x in new["#set"]}
        added = [x for x in new["#set"] if _canon(x) not in was]
        removed = [x for x in old["#set"] if _canon(x) not in now]
        if added or removed:
            out.append((n, format_itf({"#set": added}) if added else "", format_itf({"#set": removed}) if removed else ""))
    return tuple(out)


def _changed_lane(before: _Step, after: _Step, index: dict[tuple[str, str], int], env: int) -> int:
    """The lane of the only process whose entries in map-valued variables changed, else env."""
    lanes: set[int] = set()
    for n, v in after.state.items():
        old = before.state.get(n)
        if not (isinstance(v, dict) and "#map" in v and isinstance(old, dict) and "#map" in old):
            continue
        was = {_canon(k): _canon(x) for k, x in old["#map"]}
        for k, x in v["#map"]:
            if was.get(_canon(k)) != _canon(x) and ("", _canon(k)) in index:
                lanes.add(index[("", _canon(k))])
    return lanes.pop() if len(lanes) == 1 else env


def _with_mark(e: Event, mark: str, note: str) -> Event:
    return Event(e.lane, e.label, e.state, e.changed, e.detail, e.marks + (mark,), (e.note + "; " if e.note else "") + note,
                 e.picks, e.delta, e.tables)


def _fields(elem: Any) -> dict[str, str]:
    """The named fields of a set element (a record, or a union value's fields and tag)."""
    if not isinstance(elem, dict) or any(k.startswith("#") for k in elem):
        return {}
    if set(elem) == {"tag", "value"}:
        inner = elem["value"] if isinstance(elem["value"], dict) else {}
        out = {k: _canon(v) for k, v in inner.items() if not k.startswith("#")}
        out.setdefault("tag", _canon(elem["tag"]))
        return out
    return {k: _canon(v) for k, v in elem.items()}


def _message_arrows(names: tuple[str, ...], steps: list[_Step], bags: tuple[str, ...] = ()) -> tuple[list[Arrow], int]:
    """Messages: an element of a set-valued variable that a step picked with a choice (`m in
    {...}`, the engine's pick) is an arrow from the step that added it (the first state when
    it was there from the start) to each step that picked it. An element nobody picked,
    added at step i: an arrow from i to the first later step that removes it, or whose
    arguments equal the element's fields of the same names."""
    set_vars = [n for n in names if steps and all(isinstance(s.state.get(n), dict) and "#set" in s.state[n] for s in steps)]
    arrows: list[Arrow] = []
    dropped = 0
    args = [{n: _canon(v) for n, v in s.args} for s in steps]
    for var in set_vars:
        members = [{_canon(x): x for x in s.state[var]["#set"]} for s in steps]
        picked: set[str] = set()
        for j in range(1, len(steps)):
            for _, v in steps[j].picks:
                key = _canon(v)
                if key not in members[j - 1]:
                    continue
                picked.add(key)
                i = j - 1
                while i > 0 and key in members[i - 1]:
                    i -= 1
                if len(arrows) < _MAX_ARROWS:
                    arrows.append(Arrow(i, j, f"{var}: {format_itf(v)}"))
                else:
                    dropped += 1
        for i in range(1, len(steps)):
            for key, elem in members[i].items():
                if key in members[i - 1] or key in picked:
                    continue
                fields = _fields(elem)
                for j in range(i + 1, len(steps)):
                    shared = [n for n in args[j] if n in fields]
                    if key not in members[j] or (shared and all(args[j][n] == fields[n] for n in shared)):
                        if len(arrows) < _MAX_ARROWS:
                            arrows.append(Arrow(i, j, f"{var}: {format_itf(elem)}"))
                        else:
                            dropped += 1
                        break
    seq_arrows = _sequence_arrows(names, steps) + _bag_arrows(bags, steps)
    dropped += max(0, len(arrows) + len(seq_arrows) - _MAX_ARROWS)
    arrows += seq_arrows[: max(0, _MAX_ARROWS - len(arrows))]
    arrows.sort(key=lambda a: (a.source, a.target, a.label))
    return arrows, dropped


def _sequence_arrows(names: tuple[str, ...], steps: list[_Step]) -> list[Arrow]:
    """Messages through a sequence-valued variable (a channel, ITF's JSON array): each element
    that leaves it is an arrow from the step that put it in (the first state when it was there
    from the start) to the step that took it out, first in first out among equal elements."""
    seq_vars = [n for n in names if steps and all(isinstance(s.state.get(n), list) for s in steps)]
    return _multiset_arrows(seq_vars, steps, lambda v: [(x, 1) for x in v])


def _bag_arrows(bags: tuple[str, ...], steps: list[_Step]) -> list[Arrow]:
    """Messages through a bag (ITF: a map to counts): each copy that leaves it is an arrow from
    the step that added that copy, the oldest copy first (a bag has no order: the oldest is the
    one that explains the longest wait)."""
    bag_vars = [n for n in bags if steps and all(isinstance(s.state.get(n), dict) and "#map" in s.state[n] for s in steps)]
    return _multiset_arrows(bag_vars, steps, lambda v: [(x, int(_count(c))) for x, c in v["#map"]])


def _count(c: Any) -> int:
    return int(c["#bigint"]) if isinstance(c, dict) else int(c)


def _multiset_arrows(variables: list[str], steps: list[_Step], copies: Any) -> list[Arrow]:
    """For each variable, whose ITF value `copies` turns into (element, count) pairs: each copy
    that leaves is an arrow from the step that put it in to the step that took it out."""
    arrows: list[Arrow] = []
    for var in variables:
        origins: dict[str, list[int]] = {}
        for x, n in copies(steps[0].state[var]):
            origins.setdefault(_canon(x), []).extend([0] * n)
        for j in range(1, len(steps)):
            before: collections.Counter[str] = collections.Counter()
            after: collections.Counter[str] = collections.Counter()
            shown = {}
            for x, n in copies(steps[j - 1].state[var]):
                before[_canon(x)] += n
                shown[_canon(x)] = x
            for x, n in copies(steps[j].state[var]):
                after[_canon(x)] += n
            for key in sorted(before):
                for _ in range(before[key] - after[key]):
                    i = origins[key].pop(0)
                    arrows.append(Arrow(i, j, f"{var}: {format_itf(shown[key])}"))
            for key in sorted(after):
                origins.setdefault(key, []).extend([j] * max(0, after[key] - before[key]))
    return arrows


# ---- pyspec traces ---------------------------------------------------------------------------


def lanes_pragma(source: str) -> str | None:
    """The type named by a `# timeline: lanes = TYPE` comment in a spec's source, if any."""
    m = _PRAGMA.search(source)
    return m.group(1) if m else None


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def declared_types(action: Any, source: str | None) -> tuple[str | None, ...]:
    """The type name each parameter of `action` is declared with (`a: Acceptor` -> "Acceptor"),
    read from its signature in `source` (the file its span names); None for a parameter
    whose type is not a plain name, or for all of them when the source is not at hand. Types
    equal in structure (`Acceptor` and `Ballot` are both 0 .. 2) differ only in their name."""
    unknown = (None,) * len(action.formals)
    if source is None or not action.span.line:
        return unknown
    lines = source.split("\n")
    if action.span.line > len(lines):
        return unknown
    text = "\n".join(lines[action.span.line - 1 :])[max(0, action.span.col - 1) :]
    m = re.match(r"\s*" + re.escape(action.name) + r"\s*\(", text)
    if m is None:
        return unknown
    depth, parts, cur = 1, [], ""
    for ch in text[m.end() :]:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                break
        if ch == "," and depth == 1:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    else:
        return unknown
    parts.append(cur)
    parts = [x for x in parts if x.strip()]
    if len(parts) != len(action.formals):
        return unknown
    out: list[str | None] = []
    for part in parts:
        _, _, ty = part.partition(":")
        out.append(ty.strip() if _NAME.fullmatch(ty.strip()) else None)
    return tuple(out)


def lane_plan(spec: Any, read: Any = None, lane_type: str | None = None
              ) -> tuple[list[tuple[str, Type]], dict[str, tuple[str, str] | None]]:
    """The lanes of a spec's traces, from its own types: (the lane types in declaration order,
    per action (its parameter, that parameter's lane type) or None for no lane: env).

    An action acts on the lane of its first parameter declared with a named scalar type
    (`Phase1b(a: Acceptor)` on the Acceptor lanes, `Phase1a(b: Ballot)` on the Ballot
    lanes); every such type is a lane type. `lane_type` (the `# timeline: lanes = T` comment)
    names the only lane type instead. `read(path) -> str | None` gives the source the
    parameters' type names are read from; without it, a parameter's type is the first
    declared type equal to it."""
    named = [(n, t) for n, t in spec.types if isinstance(t, Type) and not isinstance(t, (SetT, MapT))]
    by_name = dict(named)
    sources: dict[str, str | None] = {}
    chosen: dict[str, tuple[str, str] | None] = {}
    used: set[str] = set()
    for a in spec.actions:
        file = a.span.file
        if read is not None and file and file not in sources:
            sources[file] = read(file)
        decl = declared_types(a, sources.get(file))
        pick: tuple[str, str] | None = None
        for f, d in zip(a.formals, decl):
            if d is None:  # the type's name is not known: the first declared type equal to it
                d = next((n for n, t in named if t == f.ty), None)
            if d is None or d not in by_name or by_name[d] != f.ty:
                continue
            if lane_type is None or d == lane_type:
                pick = (f.name, d)
                break
        chosen[a.name] = pick
        if pick is not None:
            used.add(pick[1])
    if lane_type is not None and lane_type in by_name:
        used.add(lane_type)  # named by the spec's comment: its lanes, even when no action acts on one
    types = [(n, t) for n, t in named if n in used]
    return types, chosen


def timeline_from_trace(
    trace: Trace,
    spec: Any = None,
    *,
    title: str,
    verdict: str,
    violated: str | None = None,
    summary: Sequence[str] = (),
    lane_type: str | None = None,
    excerpts: Sequence[Excerpt] = (),
    first_label: str = "initial state",
    picks: Sequence[Sequence[tuple[str, Any, Any]]] | None = None,
    invariant_reads: tuple[tuple[str, str], ...] = (),
    invariant_clause: str = "",
    read: Any = read_source,
) -> Timeline:
    """A pyspec trace as a timeline. With the `spec` (a checked spec), lanes come from its
    types (see `lane_plan`); without it, they are inferred as for any ITF trace. `picks`:
    per step, the (name, value, type) of each choice it made, as the engine reports them
    (`pyspec.explicit.explain.TraceExplainer`); `invariant_reads`: what the violated
    invariant's false conjunct reads, (text, value) pairs."""
    groups: list[tuple[str, Sequence[Any]]] | None = None
    lane_args: dict[str, Any] | None = None
    if spec is not None:
        types, chosen = lane_plan(spec, read, lane_type)
        groups = [(n, [to_itf(t, v) for v in domain(t)]) for n, t in types]
        lane_args = dict(chosen)
    doc = trace_to_itf(trace, title, picks=picks)
    return timeline_from_itf(doc, title=title, verdict=verdict, violated=violated, summary=summary,
                             lane_args=lane_args, excerpts=excerpts, first_label=first_label, lane_groups=groups,
                             invariant_reads=invariant_reads, invariant_clause=invariant_clause,
                             bags=[v.name for v in trace.vars if isinstance(v.ty, BagT)])


# ---- spec source -----------------------------------------------------------------------------


def excerpt(title: str, file: str, source: str, line: int, end_line: int | None = None, context: int = 2) -> Excerpt:
    """Lines `line`..`end_line` of `source` marked, with `context` lines around them."""
    lines = source.split("\n")
    end = max(line, end_line or line)
    first = max(1, line - context)
    last = min(len(lines), end + context)
    return Excerpt(title, file, first, "\n".join(lines[first - 1 : last]), tuple(range(line, end + 1)))


def invariant_excerpts(spec: Any, names: Iterable[str], read: Any) -> tuple[Excerpt, ...]:
    """The source of each named invariant of `spec`; `read(path) -> str | None` reads a file."""
    out = []
    for name in names:
        inv = spec.invariant(name)
        if inv is None or not inv.span.line:
            continue
        text = read(inv.span.file)
        if text is None:
            continue
        out.append(excerpt(f"invariant {name} ({inv.span.file}:{inv.span.line})", inv.span.file, text,
                           inv.span.line, inv.span.end_line, context=1))
    return tuple(out)


__all__ = ["Timeline", "Lane", "Event", "Arrow", "Band", "Excerpt", "timeline_from_itf", "timeline_from_trace",
           "format_itf", "lanes_pragma", "lane_plan", "declared_types", "excerpt", "invariant_excerpts",
           "ENV"]

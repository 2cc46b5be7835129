"""`pyspec show`: the checked spec as a person reads it, with params fixed and types resolved."""

from __future__ import annotations

from pyspec.lang.typed import CheckedSpec
from pyspec.lang.types import domain_size, format_count, format_value


def render_spec(spec: CheckedSpec) -> str:
    out = [f"spec {spec.name}    # {spec.file}"]
    if spec.doc:
        out.append('"""' + spec.doc + '"""')
    if spec.params:
        out.append("")
        for name, value, ty in spec.params:
            out.append(f"param {name}: {ty.show()} = {format_value(ty, value)}")
    if spec.types:
        out.append("")
        symmetric = set(spec.symmetry.names()) if spec.symmetry is not None else set()
        for name, ty in spec.types:
            body = _type_body(ty)
            out.append(f"{'symmetric ' if name in symmetric else ''}type {name} = {body}")
    out.append("")
    total: int | None = 1
    for v in spec.vars:
        n = domain_size(v.ty)
        total = total * n if n is not None and total is not None else None
        keyword = "unknown" if getattr(v, "unknown", False) else "var"
        out.append(f"{keyword} {v.name}: {_type_body(v.ty) if v.ty.show() != _type_body(v.ty) else v.ty.show()}")
    if total is not None:
        out.append(f"# state space bound: {format_count(total)} combinations of variable values")
    out.append("")
    for a in spec.actions:
        formals = ", ".join(f"{f.name}: {f.ty.show()}" for f in a.formals)
        writes = ", ".join(spec.vars[i].name + "'" for i in sorted(a.assigned)) or "nothing"
        out.append(f"action {a.name}({formals})    # writes {writes}")
    out.append("")
    for inv in spec.invariants:
        note = "" if inv.default else "    # included: checked only when named"
        out.append(f"invariant {inv.name}{note}")
    for c in spec.constraints:
        out.append(f"constraint {c.name}    # states that violate it are not expanded")
    if spec.temporals or spec.fairness:
        out.append("")
    for t in spec.temporals:
        note = "" if t.default else "    # included: checked only when named"
        shape = f"{t.p_text} {t.kind.value} {t.q_text}" if t.q is not None else f"{t.kind.value} {t.p_text}"
        out.append(f"temporal {t.name}: {shape}{note}")
    for f in spec.fairness:
        a = spec.actions[f.action]
        args = f"({', '.join(x.name for x in a.formals)})" if a.formals else ""
        per = "    # each instance on its own" if a.formals else ""
        out.append(f"fair {'strong' if f.strong else 'weak'} {a.name}{args}{' unless ...' if f.unless is not None else ''}{per}")
    if spec.defs:
        out.append("")
        out.append("defs: " + ", ".join(sig for _, sig in spec.defs))
    return "\n".join(out)


def _type_body(ty) -> str:
    from pyspec.lang.types import UnionT

    if isinstance(ty, UnionT):
        return " | ".join(f"{tag}(" + ", ".join(f"{n}: {t.show()}" for n, t in fs) + ")" for tag, fs in ty.variants)
    return ty.show()

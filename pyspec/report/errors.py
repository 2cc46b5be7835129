"""Draws every user error the same way: file:line:col, the source line, a caret, the hint."""

from __future__ import annotations

from pyspec.errors import PyspecError, Span, SpecErrors, SpecWarning


_SHOWN = 200  # characters of a long line shown around the caret (a log line may be 1 MiB)


def _source_line(span: Span, sources: dict[str, str] | None) -> str | None:
    text = (sources or {}).get(span.file)
    if text is not None:
        lines = text.split("\n")
        return lines[span.line - 1].rstrip("\r") if 1 <= span.line <= len(lines) else None
    try:
        # line by line up to the span: a log file can be larger than memory
        with open(span.file, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if n == span.line:
                    return line.rstrip("\r\n")
    except (OSError, UnicodeDecodeError):
        return None
    return None


def span_text(span: Span, sources: dict[str, str] | None = None) -> str | None:
    """The source text a one-line span covers (None when the file cannot be read or the span
    runs over several lines: then its first line, cut, with "...")."""
    line = _source_line(span, sources)
    if line is None or span.col < 1:
        return None
    if span.end_line != span.line:
        return line[span.col - 1:].rstrip() + " ..."
    return line[span.col - 1:span.end_col - 1] or None


def _excerpt(span: Span, sources: dict[str, str] | None) -> list[str]:
    line = _source_line(span, sources)
    if line is None:
        return []
    width = len(str(span.line))
    start = max(1, span.col)
    end = span.end_col if span.end_line == span.line and span.end_col > start else len(line) + 1
    end = max(start + 1, min(end, len(line) + 1))
    if len(line) > _SHOWN:  # a window around the caret, "..." where the line is cut
        lo = max(0, min(start - 1 - _SHOWN // 4, len(line) - _SHOWN))
        hi = lo + _SHOWN
        before, after = ("..." if lo > 0 else ""), ("..." if hi < len(line) else "")
        shift = len(before) - lo
        line = before + line[lo:hi] + after
        start, end = start + shift, max(start + shift + 1, min(end, hi + 1) + shift)
    pad = " " * width
    expanded = line.replace("\t", " ")
    return [
        f" {span.line} | {expanded}",
        f" {pad} | {' ' * (start - 1)}{'^' * (end - start)}",
    ]


def render_error(err: PyspecError, sources: dict[str, str] | None = None) -> str:
    """The full text of an error (several, for SpecErrors), ready for stderr."""
    errors = err.errors if isinstance(err, SpecErrors) else (err,)
    return "\n".join(_render_one(e, sources) for e in errors)


def render_warnings(warnings: tuple[SpecWarning, ...], sources: dict[str, str] | None = None) -> str:
    """Warnings drawn like errors (`file:line:col: warning[PS7nn]: ...`), one after another."""
    return "\n".join(_render_one(w, sources) for w in warnings)


def error_json(err: PyspecError) -> dict:
    """An error as the JSON object `--json` prints on bad input (exit 2), for every command:
    {"verdict": "error", "exit_code": 2, "errors": [{code, message, file, line, col, hint}]}."""
    from pyspec.result import EXIT_BAD_INPUT

    errors = err.errors if isinstance(err, SpecErrors) else (err,)
    return {
        "verdict": "error",
        "exit_code": EXIT_BAD_INPUT,
        "errors": [
            {
                "code": x.code,
                "message": x.message,
                "file": x.span.file if x.span else None,
                "line": x.span.line if x.span else None,
                "col": x.span.col if x.span else None,
                "hint": x.hint,
            }
            for x in errors
        ],
    }


def _render_one(e: PyspecError, sources: dict[str, str] | None) -> str:
    where = f"{e.span}: " if e.span is not None else ""
    kind = "warning" if isinstance(e, SpecWarning) else "error"
    out = [f"{where}{kind}[{e.code}]: {e.message}"]
    if e.span is not None:
        out.extend(_excerpt(e.span, sources))
    for span, note in e.notes:
        out.append(f"{span}: note: {note}")
        out.extend(_excerpt(span, sources))
    if e.hint:
        out.append(f"hint: {e.hint}")
    trace = getattr(e, "trace", None)
    if trace is not None:
        from pyspec.report.trace import render_trace

        out.append("the state where it happened was reached by:")
        out.append(render_trace(trace))
    return "\n".join(out)

"""JSON-lines records read the same, and bad lines fail the same, whichever decoder reads them:
msgspec when installed, the json module's scanner called directly, or `json.loads` (the
reference: any line a fast decoder refuses goes through it)."""

from __future__ import annotations

import json

import pytest

from tracecheck.errors import LogError
from tracecheck.readers.jsonl import read_jsonl

# lines where decoders differ: numbers past 64 bits or a float's range, NaN, a BOM, junk after
# the object, JSON-only whitespace, control characters, escapes, deep nesting, not an object
TRICKY = [
    '{"a": 18446744073709551616, "b": -18446744073709551617}',
    '{"a": 1e400, "b": -1e400, "c": 1e-400}',
    '{"a": NaN, "b": Infinity}',
    '{"a": 123456789012345678901234567890.5}',
    '{"a": 1, "a": 2}',
    '   {"a": "indented"}',
    '{"a": 1}   \t',
    '{"a": "\\u00e9\\ud83d\\ude00", "b": "\\ud800"}',
    '{"a": ' + '[' * 30 + ']' * 30 + '}',
    '',
    '    ',
    '{"a": true, "b": false, "c": null, "d": [], "e": {}}',
    '{"a": -0, "b": -0.0, "c": 1E2}',
]
BAD = [
    '\ufeff{"a": 1}',
    '{"a": 1} x',
    '{"a": 1}\x0b',
    '{"a": "tab\there"}',
    '{"a": [1, 2,]}',
    '{"a": 01}',
    '[1, 2]',
    '"text"',
    '{"a": 1',
    '{"a": ' + "9" * 5000 + '}',
    '{"a": ' + "[" * 5000 + "]" * 5000 + '}',
]


def _read(path: str) -> list[tuple[int, str, str]]:
    return [(r.line, r.raw, repr(r.data)) for r in read_jsonl(path)]


def _error(path: str) -> tuple[str | None, str, object]:
    with pytest.raises(LogError) as e:
        list(read_jsonl(path))
    return e.value.code, e.value.message, e.value.span


@pytest.mark.parametrize("decoder", ["default", "stdlib"])
def test_records_read_as_json_loads_reads_them(tmp_path, monkeypatch, decoder):
    if decoder == "stdlib":
        monkeypatch.setenv("TRACECHECK_JSON", "stdlib")
    log = tmp_path / "tricky.jsonl"
    log.write_text("\n".join(TRICKY) + "\n", encoding="utf-8")
    got = _read(str(log))
    want = [(i, t, repr(json.loads(t))) for i, t in enumerate(TRICKY, 1) if t.strip()]
    assert got == want
    # the types too: a big integer stays an int, never a float
    assert [type(v) for v in next(read_jsonl(str(log))).data.values()] == [int, int]


@pytest.mark.parametrize("line", BAD, ids=range(len(BAD)))
def test_a_bad_line_fails_the_same_with_every_decoder(tmp_path, monkeypatch, line):
    log = tmp_path / "bad.jsonl"
    log.write_text('{"ok": 1}\n' + line + "\n", encoding="utf-8")
    default = _error(str(log))
    monkeypatch.setenv("TRACECHECK_JSON", "stdlib")
    assert _error(str(log)) == default
    assert default[0] == "TC202" and default[2].line == 2


def test_the_fast_decoder_is_msgspec_when_installed(monkeypatch):
    from tracecheck.readers.jsonl import fast_decoder

    pytest.importorskip("msgspec")
    assert fast_decoder() is not None
    monkeypatch.setenv("TRACECHECK_JSON", "stdlib")
    assert fast_decoder() is None

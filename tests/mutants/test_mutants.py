"""The mutant suite: every seeded bug in mutant_table.py is killed by its configuration, or is
equivalent and checked to give the original's verdicts (issue 11, deliverable 4).

Each test copies the spec library to a temporary directory, patches one file there, loads the
spec named by the configuration through the public API and runs the engine; the unpatched
library runs in the same configuration, so a kill is a verdict that differs from the original's.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter

import pytest

import pyspec
from pyspec import PyspecError, Verdict
from mutant_table import MUTANTS, Config, Mutant

SPECS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "specs")

_EXPECT = {
    "violated": Verdict.VIOLATED,
    "holds": Verdict.HOLDS,
    "no violation": Verdict.NO_VIOLATION_UP_TO,
    "proved": Verdict.PROVED,
    "not inductive": Verdict.NOT_INDUCTIVE,
}


def _library_copy(directory: str) -> str:
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(SPECS):
        if name.endswith(".spec"):
            shutil.copy(os.path.join(SPECS, name), directory)
    return directory


def _patch(m: Mutant, directory: str) -> None:
    path = os.path.join(directory, m.file)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    n = text.count(m.old)
    if n != 1:
        pytest.fail(f"mutant {m.name}: the text to replace occurs {n} times in specs/{m.file}, not once; "
                    f"the spec changed, so update the mutant:\n{m.old!r}")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(m.old, m.new))


def _outcome(directory: str, cfg: Config) -> str:
    """What the configuration gives: 'violated P', 'holds', ..., or 'error PSnnn'."""
    path = os.path.join(directory, cfg.spec)
    try:
        if cfg.probe:
            with open(path, encoding="utf-8") as f:
                source = f.read() + cfg.probe
            spec = pyspec.loads(source, dict(cfg.params), file=path)
        else:
            spec = pyspec.load(path, dict(cfg.params))
        # Only the named property: a spec's own `reachable` properties are checked by default,
        # and a mutant's verdict must not depend on which ones the library declares.
        invariants, reach = ((), (cfg.prop,)) if cfg.reach else ((cfg.prop,), ())
        if cfg.engine == "check":
            r = pyspec.check(spec, invariants, reachables=reach)
        elif cfg.engine == "temporal":
            r = pyspec.check_temporal(spec, (cfg.prop,))
        elif cfg.engine == "bmc":
            r = pyspec.bmc(spec, cfg.depth, invariants, reachables=reach)
        else:
            r = pyspec.prove(spec, cfg.prop, aux=cfg.aux).result
    except PyspecError as e:
        return f"error {e.code}"
    if r.verdict is Verdict.VIOLATED:
        return f"violated {r.violated}"
    return r.verdict.value


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    """The unpatched library's outcome per configuration, computed once each."""
    directory = _library_copy(str(tmp_path_factory.mktemp("library")))
    seen: dict[Config, str] = {}

    def outcome(cfg: Config) -> str:
        if cfg not in seen:
            seen[cfg] = _outcome(directory, cfg)
        return seen[cfg]

    return outcome


def _expected(m: Mutant) -> str:
    if m.expect.startswith("error "):
        return m.expect
    verdict = _EXPECT[m.expect]
    assert m.kill is not None
    return f"violated {m.kill.prop}" if verdict is Verdict.VIOLATED else verdict.value


def test_the_table_is_well_formed():
    assert len(MUTANTS) >= 30
    names = Counter(m.name for m in MUTANTS)
    assert [n for n, k in names.items() if k > 1] == []
    for m in MUTANTS:
        assert (m.kill is None) == bool(m.equivalent), m.name
        assert m.kill is not None or m.same, m.name
        assert m.kill is None or m.expect.startswith("error ") or m.expect in _EXPECT, m.name
        assert m.old != m.new, m.name


@pytest.mark.parametrize("m", [m for m in MUTANTS if m.kill is not None], ids=lambda m: m.name)
def test_mutant_is_killed(m: Mutant, original, tmp_path):
    directory = _library_copy(str(tmp_path))
    _patch(m, directory)
    want = _expected(m)
    before = original(m.kill)
    assert before != want, f"{m.name}: the original library already gives {before!r} in {m.kill.describe()}"
    assert _outcome(directory, m.kill) == want, f"{m.name} survives {m.kill.describe()}"


@pytest.mark.parametrize("m", [m for m in MUTANTS if m.kill is None], ids=lambda m: m.name)
def test_equivalent_mutant_gives_the_original_verdicts(m: Mutant, original, tmp_path):
    directory = _library_copy(str(tmp_path))
    _patch(m, directory)
    for cfg in m.same:
        assert _outcome(directory, cfg) == original(cfg), f"{m.name} is not equivalent in {cfg.describe()}"


def test_old_ghost_hid_the_version_bug(tmp_path):
    """Before issue 11 the lost-update ghost read the storage's version counter: a storage that
    stopped bumping it hid the lost update it caused. The ghost count of writes catches it."""
    by_name = {m.name: m for m in MUTANTS}
    cfg = by_name["lease-version-not-bumped"].kill
    assert cfg is not None
    both = _library_copy(str(tmp_path / "both"))
    _patch(by_name["lease-version-not-bumped"], both)
    _patch(by_name["lease-lost-ghost-reads-storage"], both)
    assert _outcome(both, cfg) == "holds"
    alone = _library_copy(str(tmp_path / "alone"))
    _patch(by_name["lease-version-not-bumped"], alone)
    assert _outcome(alone, cfg) == "violated NoLostUpdate"


def test_docs_name_every_mutant():
    with open(os.path.join(SPECS, "..", "docs", "mutants.md"), encoding="utf-8") as f:
        doc = f.read()
    assert [m.name for m in MUTANTS if f"`{m.name}`" not in doc] == []

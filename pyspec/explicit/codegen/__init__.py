"""Typed tree -> Python source, compiled once with `compile()`: the explicit engine's fast path.

The closure compiler in `evaluator.py` is the reference semantics; this package emits straight-line
Python that computes the same successors, in the same order, and raises the same evaluation
errors. One generated function gives every successor of a state: it unpacks the state tuple into
locals once, loops over each action's parameter instances, and appends `(instance, next state)`
pairs. Next-state values get fresh (SSA) names, so the emitted tuple names the latest value on the
path; `require` is an early `continue` of the innermost loop, which is the path's own loop (an
instance or a choice); a choice is a `for` loop over the sorted domain with the rest of the block
inside it. Quantifiers and comprehensions become explicit loops. Closed sub-expressions are
folded to constants (by the closure compiler, so their values are the reference's), and bound as
globals of the generated module. Errors go through small helpers so the hot path stays inline.

One job per module, each layer building on the one before:

- `runtime.py`: the error helpers and the namespace given to generated code;
- `emit.py`: the emitter core (output, constants, folding, expressions) and source-text utilities;
- `loops.py`: comprehensions and quantifiers as loops (unrolling, filter lifting, cached prefilters);
- `stmts.py`: statements with SSA names and phi merging (requires, assignments, choices, `if`);
- `module.py`: the successors and invariant functions, action scheduling, the closure fallback.
"""

from pyspec.explicit.codegen.module import Generated, generate_invariants, generate_successors

__all__ = ["Generated", "generate_invariants", "generate_successors"]

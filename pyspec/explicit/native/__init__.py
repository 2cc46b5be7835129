"""The native back end of the explicit engine: a spec in its fragment compiled to C (successors,
invariants, reachables from the typed tree and the operator table's `c` templates), with a BFS
over packed states in C, built by the system C compiler and loaded with ctypes.

- `reps.py`: the C representation of each type's values and the state's cells;
- `emit_c.py`: typed expressions -> C; `module_c.py`: statements and the module's functions;
- `runtime_c.py`: the fixed C text (bitmask sets, the search and its hash set);
- `build.py`: the module assembled, compiled into the cache and loaded;
- `search.py`: the search driven from Python, traces replayed through the reference engine.
"""

"""`pyspec lsp`: the spec language in an editor, over the Language Server Protocol.

One job per module: `model` reads a document (errors, declarations, name occurrences, across
includes), `lookup` answers questions about a position (definition, references, hover,
completion, symbols) from a model, `run` checks a spec in a worker process, and `server`
wires these to pygls. Only `server` imports pygls and lsprotocol; nothing but the CLI imports
this package.
"""

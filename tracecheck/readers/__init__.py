"""Log readers: files (plain, gzip, standard input) -> records -> one merged, ordered stream.

`read_logs(paths, log_format)` is the entry point; each module does one step:
`source` opens files, `jsonl` and `text` turn lines into records, `merge` orders them.
"""

from tracecheck.readers.merge import read_logs
from tracecheck.readers.record import Record

__all__ = ["read_logs", "Record"]

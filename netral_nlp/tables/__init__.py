"""The one table layer: every user file that the library reads or writes goes through it.

- :mod:`~netral_nlp.tables.formats`: the formats (told from the name by one table of suffixes),
  gzip compression and the one encoding policy (UTF-8 unless the caller names another; bytes that
  do not decode are a row error, never dropped).
- :mod:`~netral_nlp.tables.readers`: streaming readers (JSON Lines or a JSON array, CSV, TSV,
  Parquet, plain text) that yield each row or a coded row error with its line, resumable.
- :mod:`~netral_nlp.tables.rows`: the limits on one row (line length, JSON depth, text length).
- :mod:`~netral_nlp.tables.writers`: committed writers that put an output in place only whole.
- :mod:`~netral_nlp.tables.files`: an input is never an output; an output folder must exist; one
  atomic writer (:func:`atomic_file`); a failed write is one coded error.
- :mod:`~netral_nlp.tables.frame`: a whole (small) table as a pandas DataFrame with the line of each row.

``predict``, ``normalize``, ``train``/``evaluate`` (labelled sets) and ``score`` (activity and
accounts) are thin callers of it; docs/files.md describes it for users.
"""

from __future__ import annotations

from netral_nlp.tables.files import (
    atomic_file,
    atomic_write,
    check_gzip,
    check_output_folder,
    partial_path,
    refuse_overlap,
    writing,
)
from netral_nlp.tables.formats import DEFAULT_ENCODING, FORMATS, TABLE_FORMATS, check_encoding, table_format
from netral_nlp.tables.readers import PROBLEMS, CodeTable, Record, RowError, TableReader, open_table
from netral_nlp.tables.writers import OUTPUT_FORMATS, TableWriter, open_writer, output_format

__all__ = [
    "DEFAULT_ENCODING",
    "FORMATS",
    "OUTPUT_FORMATS",
    "PROBLEMS",
    "TABLE_FORMATS",
    "CodeTable",
    "Record",
    "RowError",
    "TableReader",
    "TableWriter",
    "atomic_file",
    "atomic_write",
    "check_encoding",
    "check_gzip",
    "check_output_folder",
    "open_table",
    "open_writer",
    "output_format",
    "partial_path",
    "refuse_overlap",
    "table_format",
    "writing",
]

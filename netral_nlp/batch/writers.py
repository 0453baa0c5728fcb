"""The result and errors files of a batch run: their columns, their records, and the committed
writers of the table layer (:mod:`netral_nlp.tables.writers`) that write them, so that an
interrupted run can resume (see that module for the commit and finalize rules).

>>> w = open_writer("out.jsonl", fmt="jsonl", columns=["id", "label"])     # doctest: +SKIP
>>> w.add([{"id": "1", "label": "campaign"}]); state = w.commit(); w.finalize()  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from netral_nlp.batch.readers import Row
from netral_nlp.tables.readers import RowError
from netral_nlp.tables.writers import CSV_LIST_SEPARATOR, TableWriter, as_text, output_format
from netral_nlp.tables.writers import open_writer as open_table_writer

__all__ = [
    "CSV_LIST_SEPARATOR",
    "OUTPUT_FORMATS",
    "ErrorWriter",
    "ResultWriter",
    "arrow_schema",
    "as_text",
    "build_records",
    "error_record",
    "guess_output_format",
    "keep_columns",
    "open_writer",
    "output_columns",
]

#: Output formats of ``predict``; all but Parquet may be gzip-compressed (``.gz``).
OUTPUT_FORMATS = ("jsonl", "csv", "tsv", "parquet")
#: Decimals of the probabilities written (enough to rank and threshold; keeps files small).
PROBA_DECIMALS = 6
#: Prefix given to a kept input column whose name is already an output column (``input_label``).
KEEP_PREFIX = "input_"
#: Columns of the errors file.
ERROR_COLUMNS = ("file", "line", "id", "code", "reason", "raw")
#: A committed writer of results or errors.
ResultWriter = TableWriter


def guess_output_format(path: str | Path, fmt: str | None = None) -> tuple[str, bool]:
    """``(format, gzip)`` of an output path, from ``fmt`` or the name.

    >>> guess_output_format("predictions.csv.gz")
    ('csv', True)
    """
    return output_format(path, fmt, allowed=OUTPUT_FORMATS)


def probability_columns(labels: Sequence[str]) -> list[str]:
    """``p_<label>`` for each label, in the model's order."""
    return [f"p_{label}" for label in labels]


def keep_columns(keep: Sequence[str], labels: Sequence[str]) -> dict[str, str]:
    """Input column -> output column of the kept columns; a name that is already an output column
    (a gold ``label``, say) gets the ``input_`` prefix.

    >>> keep_columns(["label", "source"], ["campaign", "political_neutral", "non_political"])
    {'label': 'input_label', 'source': 'source'}
    """
    taken = {"id", "label", "contestants", *probability_columns(labels)}
    return {k: (KEEP_PREFIX + k if k in taken else k) for k in keep}


def output_columns(labels: Sequence[str], keep: Sequence[str] = ()) -> list[str]:
    """The columns of a result file, in order.

    >>> output_columns(["campaign", "political_neutral", "non_political"], ["source"])
    ['id', 'label', 'p_campaign', 'p_political_neutral', 'p_non_political', 'contestants', 'source']
    """
    return ["id", "label", *probability_columns(labels), "contestants", *keep_columns(keep, labels).values()]


def build_records(
    rows: Sequence[Row],
    proba: np.ndarray,
    label_index: np.ndarray,
    contestants: Sequence[list[str] | None],
    labels: Sequence[str],
    keep: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """One output record per row (the single-machine path and the engine adapter share it, so
    both write the same values)."""
    pcols = probability_columns(labels)
    kmap = keep_columns(keep, labels)
    rounded = np.round(np.asarray(proba, dtype=np.float64), PROBA_DECIMALS).tolist()
    out = []
    for row, p, li, cont in zip(rows, rounded, label_index.tolist(), contestants, strict=True):
        rec: dict[str, Any] = {"id": row.id, "label": labels[li]}
        rec.update(zip(pcols, p, strict=True))
        rec["contestants"] = cont
        for k, name in kmap.items():
            rec[name] = row.keep.get(k)
        out.append(rec)
    return out


def error_record(error: RowError, file: str) -> dict[str, Any]:
    """The errors-file entry of a bad row."""
    return {"file": file, "line": error.line, "id": error.id, "code": error.code, "reason": error.reason, "raw": error.raw}


def arrow_schema(columns: Sequence[str], labels: Sequence[str]) -> Any:
    """The Arrow schema of ``columns``: probabilities as float64, contestants as a list of
    strings, everything else (ids, labels, kept columns, error fields) as strings."""
    import pyarrow as pa

    pcols = set(probability_columns(labels))
    fields = []
    for c in columns:
        if c in pcols:
            fields.append(pa.field(c, pa.float64()))
        elif c == "contestants":
            fields.append(pa.field(c, pa.list_(pa.string())))
        else:
            fields.append(pa.field(c, pa.string()))
    return pa.schema(fields)


class ErrorWriter:
    """The errors file: one JSON object a bad row (``file``, ``line``, ``id``, ``code``, ``reason``,
    ``raw``: the start of the row as read). Written only once a row has failed: a run without a bad
    row leaves no errors file (and removes one a former run of the same output left).

    ``committed`` (from a checkpoint) is the size committed so far; 0 or None: nothing yet.
    """

    def __init__(self, final: Path, *, committed: int | None = None) -> None:
        self.final = final
        self._writer: TableWriter | None = None
        if committed:
            self._writer = open_table_writer(final, fmt="jsonl", columns=ERROR_COLUMNS, committed=committed)

    @property
    def pending(self) -> int:
        return self._writer.pending if self._writer is not None else 0

    def add(self, records: Sequence[dict[str, Any]]) -> None:
        if records and self._writer is None:
            self._writer = open_table_writer(self.final, fmt="jsonl", columns=ERROR_COLUMNS)
        if self._writer is not None:
            self._writer.add(records)

    def commit(self) -> int:
        return self._writer.commit() if self._writer is not None else 0

    def finalize(self) -> None:
        """Put the errors file in place, when a row failed."""
        if self._writer is not None:
            self._writer.finalize()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def open_writer(
    final: str | Path,
    *,
    fmt: str,
    gz: bool = False,
    columns: Sequence[str],
    labels: Sequence[str] = (),
    committed: int | None = None,
) -> TableWriter:
    """A committed writer of results for ``final``; ``committed`` (from a checkpoint) resumes one.

    Its working files are ``final + ".partial"`` (and ``final + ".parts/"`` for Parquet).
    """
    schema = arrow_schema(columns, labels) if fmt == "parquet" else None
    return open_table_writer(final, fmt=fmt, gz=gz, columns=columns, schema=schema, list_columns=("contestants",), committed=committed)

"""Result and error writers that commit in chunks, so that an interrupted run can resume.

Every writer appends to a *partial* file (``OUTPUT.partial``; Parquet: numbered part files in
``OUTPUT.parts/``) and makes what it holds durable only on :meth:`commit`, which flushes, fsyncs
and returns the committed state (bytes, or parts) for the checkpoint. A resumed writer first cuts
the partial file back to the committed state, so rows written after the last checkpoint are
dropped and written again, once. :meth:`finalize` renames the result to its real name: a
half-written file is never left under it.

A gzip-compressed output (``.jsonl.gz``, ``.csv.gz``) is written as one gzip member per commit;
concatenated members are one valid gzip stream, and a cut at a member boundary leaves one.

>>> w = open_writer("out.jsonl", fmt="jsonl", columns=["id", "label"])     # doctest: +SKIP
>>> w.add([{"id": "1", "label": "campaign"}]); state = w.commit(); w.finalize()  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from netral_nlp.batch.readers import Row, RowError
from netral_nlp.errors import InputError

__all__ = [
    "OUTPUT_FORMATS",
    "ErrorWriter",
    "ResultWriter",
    "arrow_schema",
    "build_records",
    "error_record",
    "guess_output_format",
    "keep_columns",
    "open_writer",
    "output_columns",
]

#: Output formats; JSONL and CSV may be gzip-compressed (``.gz``).
OUTPUT_FORMATS = ("jsonl", "csv", "parquet")
#: Decimals of the probabilities written (enough to rank and threshold; keeps files small).
PROBA_DECIMALS = 6
#: Separator of the contestants in a CSV cell (``01;02``).
CSV_LIST_SEPARATOR = ";"
#: Prefix given to a kept input column whose name is already an output column (``input_label``).
KEEP_PREFIX = "input_"


def guess_output_format(path: str | Path, fmt: str | None = None) -> tuple[str, bool]:
    """``(format, gzip)`` of an output path, from ``fmt`` or the name.

    >>> guess_output_format("predictions.csv.gz")
    ('csv', True)
    """
    name = str(path).lower()
    gz = name.endswith(".gz")
    if fmt is None:
        base = name.removesuffix(".gz")
        for suffix, kind in (
            (".jsonl", "jsonl"),
            (".ndjson", "jsonl"),
            (".json", "jsonl"),
            (".csv", "csv"),
            (".parquet", "parquet"),
            (".pq", "parquet"),
        ):
            if base.endswith(suffix):
                fmt = kind
                break
        else:
            raise InputError(
                f"{path}: cannot tell the output format from the name; pass --format ({', '.join(OUTPUT_FORMATS)})", code="E201"
            )
    if fmt not in OUTPUT_FORMATS:
        raise InputError(f"unknown output format {fmt!r}; use one of {', '.join(OUTPUT_FORMATS)}", code="E201")
    if fmt == "parquet" and gz:
        raise InputError(f"{path}: Parquet output is compressed inside the file; drop the .gz", code="E201")
    return fmt, gz


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


def as_text(value: Any) -> str | None:
    """A kept value as written to CSV and Parquet: strings as they are, others as JSON text."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _json_line(record: dict[str, Any]) -> bytes:
    line = json.dumps(record, ensure_ascii=False, default=str)
    try:
        return (line + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in a kept value: escape it, still valid JSON
        return (json.dumps(record, ensure_ascii=True, default=str) + "\n").encode("ascii")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # not possible on some platforms (Windows); the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class ResultWriter:
    """Base of the committed writers. ``add`` buffers; ``commit`` persists and returns the state
    to record in the checkpoint; ``finalize`` commits and moves the result to ``final``."""

    def __init__(self, final: Path, columns: Sequence[str]) -> None:
        self.final = final
        self.columns = list(columns)
        #: Records added since the last commit.
        self.pending = 0

    def add(self, records: Sequence[dict[str, Any]]) -> None:
        raise NotImplementedError

    def commit(self) -> int:
        raise NotImplementedError

    def finalize(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release the file without committing (after an interruption)."""


class _LineWriter(ResultWriter):
    """JSONL or CSV in one partial file; state = bytes committed."""

    def __init__(self, final: Path, columns: Sequence[str], *, partial: Path, gz: bool, committed: int | None) -> None:
        super().__init__(final, columns)
        self.partial = partial
        self.gz = gz
        self._fh: IO[bytes]
        if committed is None or (committed == 0 and not partial.exists()):  # nothing committed yet (a full disk at the start)
            self._fh = open(partial, "wb")  # noqa: SIM115
            self.size = 0
        else:
            if not partial.exists() or partial.stat().st_size < committed:
                have = partial.stat().st_size if partial.exists() else "no file"
                raise InputError(
                    f"{partial}: the partial output is shorter than its checkpoint says ({have} < {committed} bytes); start again with --force",
                    code="E213",
                )
            self._fh = open(partial, "r+b")  # noqa: SIM115
            self._fh.truncate(committed)
            self._fh.seek(committed)
            self.size = committed
        self._chunks: list[bytes] = []

    def _encode(self, records: Sequence[dict[str, Any]]) -> bytes:
        raise NotImplementedError

    def _header(self) -> bytes:
        return b""

    def add(self, records: Sequence[dict[str, Any]]) -> None:
        if records:
            self._chunks.append(self._encode(records))
            self.pending += len(records)

    def commit(self) -> int:
        if self.size == 0 and not self._chunks and not self._header():
            return 0
        if self._chunks or self.size == 0:
            data = (self._header() if self.size == 0 else b"") + b"".join(self._chunks)
            if self.gz:
                data = gzip.compress(data, compresslevel=6, mtime=0)
            self._fh.write(data)
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self.size = self._fh.tell()
            self._chunks.clear()
            self.pending = 0
        return self.size

    def finalize(self) -> None:
        self.commit()
        if self.gz and self.size == 0:  # an empty .gz must still be a gzip stream
            self._fh.write(gzip.compress(b"", mtime=0))
            self._fh.flush()
            os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self.partial, self.final)
        _fsync_dir(self.final.parent)

    def close(self) -> None:
        # A commit that failed (a full disk) leaves bytes in the buffer and closing fails again:
        # they were never committed, so nothing is lost, and the first error is the one to report.
        with contextlib.suppress(OSError):
            self._fh.close()


class JsonlWriter(_LineWriter):
    """One JSON object a line; values as the input had them (kept columns included)."""

    def _encode(self, records: Sequence[dict[str, Any]]) -> bytes:
        return b"".join(_json_line(r) for r in records)


class CsvWriter(_LineWriter):
    """A header, then one line a record; contestants as ``01;02``, other lists as JSON text."""

    def _header(self) -> bytes:
        return self._csv([self.columns])

    @staticmethod
    def _csv(rows: Sequence[Sequence[Any]]) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return buf.getvalue().encode("utf-8", "backslashreplace")

    def _encode(self, records: Sequence[dict[str, Any]]) -> bytes:
        rows = []
        for r in records:
            cells = []
            for c in self.columns:
                v = r.get(c)
                if c == "contestants":
                    v = CSV_LIST_SEPARATOR.join(v) if v else ""
                elif not isinstance(v, (int, float)) or isinstance(v, bool):
                    v = as_text(v) or ""
                cells.append(v)
            rows.append(cells)
        return self._csv(rows)


class ParquetWriter(ResultWriter):
    """Numbered part files in ``parts_dir``, one per commit, merged row group by row group into
    the final file; state = parts committed. Kept columns are written as strings (JSON text for
    values that are not), so that every part has the same schema."""

    def __init__(
        self, final: Path, columns: Sequence[str], *, partial: Path, parts_dir: Path, labels: Sequence[str], committed: int | None
    ) -> None:
        import pyarrow as pa

        super().__init__(final, columns)
        self.partial = partial
        self.parts_dir = parts_dir
        self.schema = arrow_schema(self.columns, labels)
        if committed is None:
            shutil.rmtree(parts_dir, ignore_errors=True)
            parts_dir.mkdir(parents=True)
            self.parts = 0
        else:
            parts_dir.mkdir(parents=True, exist_ok=True)
            keep = {self._part(k).name for k in range(committed)}
            for f in parts_dir.iterdir():  # parts written after the last checkpoint, and temporaries
                if f.name not in keep:
                    f.unlink()
            for k in range(committed):
                if not self._part(k).exists():
                    raise InputError(f"{self._part(k)}: a committed part of the output is missing; start again with --force", code="E213")
            self.parts = committed
        self._cols: dict[str, list[Any]] = {c: [] for c in self.columns}
        self._text_cols = [f.name for f in self.schema if pa.types.is_string(f.type) and f.name not in ("id", "label")]

    def _part(self, k: int) -> Path:
        return self.parts_dir / f"part-{k:06d}.parquet"

    def add(self, records: Sequence[dict[str, Any]]) -> None:
        for r in records:
            for c, values in self._cols.items():
                values.append(r.get(c))
        self.pending += len(records)

    def commit(self) -> int:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.pending:
            return self.parts
        for c in self._text_cols:
            self._cols[c] = [as_text(v) for v in self._cols[c]]
        table = pa.Table.from_pydict(self._cols, schema=self.schema)
        part = self._part(self.parts)
        tmp = part.with_name(part.name + ".tmp")
        pq.write_table(table, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, part)
        _fsync_dir(self.parts_dir)
        self.parts += 1
        self._cols = {c: [] for c in self.columns}
        self.pending = 0
        return self.parts

    def finalize(self) -> None:
        import pyarrow.parquet as pq

        self.commit()
        with pq.ParquetWriter(self.partial, self.schema) as writer:
            for k in range(self.parts):  # one part in memory at a time
                writer.write_table(pq.read_table(self._part(k), schema=self.schema))
        with open(self.partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(self.partial, self.final)
        _fsync_dir(self.final.parent)
        shutil.rmtree(self.parts_dir, ignore_errors=True)


class ErrorWriter(JsonlWriter):
    """The errors file: one JSON object a bad row (``file``, ``line``, ``id``, ``code``, ``reason``,
    ``raw``: the start of the row as read)."""


def open_writer(
    final: str | Path,
    *,
    fmt: str,
    gz: bool = False,
    columns: Sequence[str],
    labels: Sequence[str] = (),
    committed: int | None = None,
) -> ResultWriter:
    """A committed writer for ``final``; ``committed`` (from a checkpoint) resumes one.

    Its working files are ``final + ".partial"`` (and ``final + ".parts/"`` for Parquet).
    """
    final = Path(final)
    partial = final.with_name(final.name + ".partial")
    if fmt == "jsonl":
        return JsonlWriter(final, columns, partial=partial, gz=gz, committed=committed)
    if fmt == "csv":
        return CsvWriter(final, columns, partial=partial, gz=gz, committed=committed)
    if fmt == "parquet":
        return ParquetWriter(
            final, columns, partial=partial, parts_dir=final.with_name(final.name + ".parts"), labels=labels, committed=committed
        )
    raise InputError(f"unknown output format {fmt!r}; use one of {', '.join(OUTPUT_FORMATS)}", code="E201")

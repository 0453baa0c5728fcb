"""Table writers that commit in chunks and put the result in place whole.

Every writer appends to a *partial* file (``OUTPUT.partial``; Parquet: numbered part files in
``OUTPUT.parts/``) and makes what it holds durable only on :meth:`~TableWriter.commit`, which
flushes, fsyncs and returns the committed state (bytes, or parts) for a checkpoint. A resumed
writer first cuts the partial file back to the committed state, so rows written after the last
checkpoint are dropped and written again, once. :meth:`~TableWriter.finalize` gives the result
its real name (:func:`~netral_nlp.tables.files.publish`): a half-written file is never left under
it. ``"-"`` writes to standard output instead, as the rows come.

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
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from netral_nlp.errors import InputError
from netral_nlp.tables.files import fsync_dir, partial_path, publish
from netral_nlp.tables.formats import GZIP_SUFFIX, SUFFIXES, TABLE_FORMATS

__all__ = [
    "CSV_LIST_SEPARATOR",
    "OUTPUT_FORMATS",
    "TableWriter",
    "as_text",
    "open_writer",
    "output_format",
    "parts_path",
]

#: Formats a table can be written in; all but Parquet may be gzip-compressed (``.gz``).
OUTPUT_FORMATS: tuple[str, ...] = (*TABLE_FORMATS, "txt")
#: Separator of a list of strings in a CSV cell (``01;02``), for the columns asked for.
CSV_LIST_SEPARATOR = ";"
#: Code of an output format that cannot be told or is not known.
E_FORMAT = "E201"


def parts_path(final: str | Path) -> Path:
    """Where a Parquet output keeps its committed parts while it is written.

    >>> str(parts_path("out.parquet"))
    'out.parquet.parts'
    """
    final = Path(final)
    return final.with_name(final.name + ".parts")


def output_format(
    path: str | Path, fmt: str | None = None, *, allowed: tuple[str, ...] = TABLE_FORMATS, code: str = E_FORMAT, option: str = "--format"
) -> tuple[str, bool]:
    """``(format, gzip)`` of an output path, from ``fmt`` or the name.

    >>> output_format("predictions.csv.gz")
    ('csv', True)
    """
    name = str(path).lower()
    gz = name.endswith(GZIP_SUFFIX)
    if fmt is None:
        base = name.removesuffix(GZIP_SUFFIX)
        fmt = next((kind for suffix, kind in SUFFIXES.items() if base.endswith(suffix) and kind in allowed), None)
        if fmt is None:
            raise InputError(f"{path}: cannot tell the output format from the name; pass {option} ({', '.join(allowed)})", code=code)
    if fmt not in allowed:
        raise InputError(f"unknown output format {fmt!r}; use one of {', '.join(allowed)}", code=code)
    if fmt == "parquet" and gz:
        raise InputError(f"{path}: Parquet output is compressed inside the file; drop the .gz", code=code)
    return fmt, gz


def as_text(value: Any) -> str | None:
    """A value as written to CSV and Parquet string columns: strings as they are, others as JSON text.

    >>> as_text("a"), as_text(["01", "02"]), as_text(None)
    ('a', '["01", "02"]', None)
    """
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _json_line(record: dict[str, Any]) -> bytes:
    line = json.dumps(record, ensure_ascii=False, default=str)
    try:
        return (line + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in a kept value: escape it, still valid JSON
        return (json.dumps(record, ensure_ascii=True, default=str) + "\n").encode("ascii")


class TableWriter:
    """Base of the committed writers. ``add`` buffers; ``commit`` persists and returns the state
    to record in a checkpoint; ``finalize`` commits and moves the result to ``final``;
    ``discard`` drops it (nothing is left under any name)."""

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

    def discard(self) -> None:
        """Close and remove what was written: the run failed, and no output is left behind."""
        self.close()


class _LineWriter(TableWriter):
    """JSONL, CSV, TSV or text lines in one partial file (or standard output); state = bytes committed."""

    def __init__(self, final: Path, columns: Sequence[str], *, gz: bool, committed: int | None, stream: IO[bytes] | None = None) -> None:
        super().__init__(final, columns)
        self.partial = partial_path(final)
        self.gz = gz
        self._stream = stream
        self._fh: IO[bytes]
        if stream is not None:
            self._fh = stream
            self.size = 0
        elif committed is None or (committed == 0 and not self.partial.exists()):  # nothing committed yet (a full disk at the start)
            self._fh = open(self.partial, "wb")  # noqa: SIM115
            self.size = 0
        else:
            if not self.partial.exists() or self.partial.stat().st_size < committed:
                have = self.partial.stat().st_size if self.partial.exists() else "no file"
                raise InputError(
                    f"{self.partial}: the partial output is shorter than its checkpoint says ({have} < {committed} bytes); start again with --force",
                    code="E213",
                )
            self._fh = open(self.partial, "r+b")  # noqa: SIM115
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
            if self._stream is None:
                os.fsync(self._fh.fileno())
                self.size = self._fh.tell()
            else:
                self.size += len(data)
            self._chunks.clear()
            self.pending = 0
        return self.size

    def finalize(self) -> None:
        self.commit()
        if self._stream is not None:
            return
        if self.gz and self.size == 0:  # an empty .gz must still be a gzip stream
            self._fh.write(gzip.compress(b"", mtime=0))
            self._fh.flush()
            os.fsync(self._fh.fileno())
        self._fh.close()
        publish(self.partial, self.final)

    def close(self) -> None:
        # A commit that failed (a full disk) leaves bytes in the buffer and closing fails again:
        # they were never committed, so nothing is lost, and the first error is the one to report.
        if self._stream is None:
            with contextlib.suppress(OSError):
                self._fh.close()

    def discard(self) -> None:
        self.close()
        if self._stream is None:
            self.partial.unlink(missing_ok=True)


class JsonlWriter(_LineWriter):
    """One JSON object a line; values as given (lists and objects stay JSON)."""

    def _encode(self, records: Sequence[dict[str, Any]]) -> bytes:
        return b"".join(_json_line(r) for r in records)


class CsvWriter(_LineWriter):
    """A header, then one line a record; the lists of ``list_columns`` as ``01;02``, other
    non-scalar values as JSON text. TSV with ``delimiter="\\t"``."""

    def __init__(
        self, final: Path, columns: Sequence[str], *, delimiter: str = ",", list_columns: Sequence[str] = (), **kwargs: Any
    ) -> None:
        super().__init__(final, columns, **kwargs)
        self.delimiter = delimiter
        self.list_columns = frozenset(list_columns)

    def _header(self) -> bytes:
        return self._csv([self.columns])

    def _csv(self, rows: Sequence[Sequence[Any]]) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, delimiter=self.delimiter, lineterminator="\n").writerows(rows)
        return buf.getvalue().encode("utf-8", "backslashreplace")

    def _encode(self, records: Sequence[dict[str, Any]]) -> bytes:
        rows = []
        for r in records:
            cells = []
            for c in self.columns:
                v = r.get(c)
                if c in self.list_columns and isinstance(v, (list, tuple)):
                    v = CSV_LIST_SEPARATOR.join(v)
                elif not isinstance(v, (int, float)) or isinstance(v, bool):
                    v = as_text(v) or ""
                cells.append(v)
            rows.append(cells)
        return self._csv(rows)


class TextWriter(_LineWriter):
    """One text a line: the value of the one column (``columns[0]``), line breaks inside it as spaces."""

    def _encode(self, records: Sequence[dict[str, Any]]) -> bytes:
        key = self.columns[0]
        return "".join(" ".join(str(r.get(key) or "").splitlines()) + "\n" for r in records).encode("utf-8", "backslashreplace")


class ParquetWriter(TableWriter):
    """Numbered part files in ``parts_dir``, one per commit, merged row group by row group into
    the final file; state = parts committed. String columns of ``schema`` take other values as
    JSON text, so that every part has the same schema."""

    def __init__(self, final: Path, columns: Sequence[str], *, schema: Any, committed: int | None) -> None:
        import pyarrow as pa

        super().__init__(final, columns)
        self.partial = partial_path(final)
        self.parts_dir = parts_path(final)
        self.schema = schema if schema is not None else pa.schema([pa.field(c, pa.string()) for c in self.columns])
        if committed is None:
            shutil.rmtree(self.parts_dir, ignore_errors=True)
            self.parts_dir.mkdir(parents=True)
            self.parts = 0
        else:
            self.parts_dir.mkdir(parents=True, exist_ok=True)
            keep = {self._part(k).name for k in range(committed)}
            for f in self.parts_dir.iterdir():  # parts written after the last checkpoint, and temporaries
                if f.name not in keep:
                    f.unlink()
            for k in range(committed):
                if not self._part(k).exists():
                    raise InputError(f"{self._part(k)}: a committed part of the output is missing; start again with --force", code="E213")
            self.parts = committed
        self._cols: dict[str, list[Any]] = {c: [] for c in self.columns}
        self._text_cols = [f.name for f in self.schema if pa.types.is_string(f.type)]

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
        tmp = partial_path(part)
        pq.write_table(table, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        publish(tmp, part)
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
        publish(self.partial, self.final)
        shutil.rmtree(self.parts_dir, ignore_errors=True)
        fsync_dir(self.final.parent)

    def discard(self) -> None:
        self.partial.unlink(missing_ok=True)
        shutil.rmtree(self.parts_dir, ignore_errors=True)


class _Stdout:
    """Standard output as a byte stream, after whatever text was printed to it."""

    def write(self, data: bytes) -> int:
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # a notebook's stream takes text only
            return sys.stdout.write(data.decode("utf-8"))
        return int(buffer.write(data))

    def flush(self) -> None:
        getattr(sys.stdout, "buffer", sys.stdout).flush()


def open_writer(
    final: str | Path,
    *,
    fmt: str,
    gz: bool = False,
    columns: Sequence[str],
    schema: Any = None,
    list_columns: Sequence[str] = (),
    committed: int | None = None,
) -> TableWriter:
    """A committed writer for ``final`` (``"-"``: standard output, JSONL, CSV, TSV or text);
    ``committed`` (from a checkpoint) resumes one. ``schema`` is the Arrow schema of a Parquet
    output (None: every column a string); ``list_columns`` are written as ``a;b`` in CSV.

    Its working files are ``final + ".partial"`` (and ``final + ".parts/"`` for Parquet).
    """
    stream: Any = _Stdout() if str(final) == "-" else None
    final = Path(final)
    if fmt == "jsonl":
        return JsonlWriter(final, columns, gz=gz, committed=committed, stream=stream)
    if fmt in ("csv", "tsv"):
        return CsvWriter(
            final, columns, delimiter="\t" if fmt == "tsv" else ",", list_columns=list_columns, gz=gz, committed=committed, stream=stream
        )
    if fmt == "txt":
        return TextWriter(final, columns, gz=gz, committed=committed, stream=stream)
    if fmt == "parquet":
        if stream is not None:
            raise InputError("Parquet cannot be written to standard output: name a file", code=E_FORMAT)
        return ParquetWriter(final, columns, schema=schema, committed=committed)
    raise InputError(f"unknown output format {fmt!r}; use one of {', '.join(OUTPUT_FORMATS)}", code=E_FORMAT)

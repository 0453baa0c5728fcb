"""Streaming readers of scraped posts: JSON Lines, CSV and Parquet, plain or gzip-compressed.

A reader yields one item per input row, a :class:`Row` it can classify or a :class:`RowError`
that says why it cannot (invalid JSON, text missing, empty or not a string, bytes that are not
UTF-8...), together with its *position*: how many units of the file (lines of JSONL, records of
CSV, rows of Parquet) have been consumed. A resumed run skips that many units without parsing
them. Memory stays bounded: files are read line by line or batch by batch, never whole.

>>> with open_reader("posts.jsonl.gz") as reader:                # doctest: +SKIP
...     for position, item in reader:
...         print(item.line, item.id if isinstance(item, Row) else item.reason)
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import gzip
import io
import json
import shutil
import zlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from netral_nlp.errors import InputError
from netral_nlp.rows import MAX_LINE_BYTES, MAX_TEXT_CHARS, TooDeep, TooLong, bounded_lines, loads_row

__all__ = [
    "INPUT_FORMATS",
    "Row",
    "RowError",
    "RowReader",
    "check_row",
    "guess_input_format",
    "open_reader",
]

#: Input formats; each may be gzip-compressed (``.gz``).
INPUT_FORMATS = ("jsonl", "csv", "parquet")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
#: Rows per Parquet record batch read at a time.
_PARQUET_BATCH = 8192
#: Characters of a bad row kept in the errors file, enough to find it and see what went wrong.
_RAW_CHARS = 200
#: Largest CSV field accepted (the csv module's default, 128 KiB, is below some long posts).
_CSV_FIELD_LIMIT = 16 * 1024 * 1024

# Stable codes of the row-level problems (file-level ones are raised as InputError).
E_JSON = "E204"  # not valid JSON
E_TEXT_MISSING = "E205"  # text field absent or null
E_TEXT_EMPTY = "E206"  # text is empty or whitespace
E_TYPE = "E207"  # text or id of the wrong type
E_BYTES = "E208"  # bytes that are not UTF-8
E_NOT_OBJECT = "E209"  # a JSON line that is not an object
E_ID_MISSING = "E210"  # id field absent, null or empty
E_CSV_ROW = "E211"  # a CSV record with the wrong number of fields, or that the csv module rejects
E_CORRUPT = "E216"  # the rest of the file cannot be read (truncated gzip, damaged Parquet)
E_TOO_LARGE = "E217"  # a line over MAX_LINE_BYTES or a text over MAX_TEXT_CHARS
E_TOO_DEEP = "E218"  # JSON nested deeper than MAX_JSON_DEPTH
#: Stands, in the lines handed to the csv module, for a physical line that was too long.
_CSV_TOO_LONG = "\x00netral:line-too-long\x00"


@dataclasses.dataclass(slots=True)
class Row:
    """A usable input row: its line (JSONL/CSV) or 1-based row number (Parquet), id, text and the
    values of the columns the user asked to keep."""

    line: int
    id: str
    text: str
    keep: dict[str, Any]


@dataclasses.dataclass(slots=True)
class RowError:
    """A row that cannot be classified, with a stable ``code`` and a ``reason`` in words."""

    line: int | None
    code: str
    reason: str
    id: str | None = None
    raw: str | None = None


Item = Row | RowError


def guess_input_format(path: str | Path, fmt: str | None = None) -> str:
    """The format of an input file, from ``fmt`` or the file name (``.gz`` is looked through).

    >>> guess_input_format("dump.jsonl.gz")
    'jsonl'
    >>> guess_input_format("dump.parquet")
    'parquet'
    """
    if fmt is not None:
        if fmt not in INPUT_FORMATS:
            raise InputError(f"unknown input format {fmt!r}; use one of {', '.join(INPUT_FORMATS)}", code="E201")
        return fmt
    name = str(path).lower().removesuffix(".gz")
    for suffix, kind in _SUFFIXES.items():
        if name.endswith(suffix):
            return kind
    raise InputError(f"{path}: cannot tell the format from the name; pass --input-format ({', '.join(INPUT_FORMATS)})", code="E201")


def _is_missing(value: Any) -> bool:
    # None, float NaN (pandas' and JSON's missing value) and pandas.NA, without importing pandas.
    return value is None or (isinstance(value, float) and value != value) or type(value).__name__ == "NAType"


def _has_bad_bytes(text: str) -> bool:
    """True when ``text`` holds lone surrogates: bytes that were not UTF-8 (read with
    ``surrogateescape``) or a JSON ``\\udXXX`` escape; such text cannot be written back as UTF-8."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _id_of(value: Any) -> str | None:
    """The id as a string (ids are written as strings in every output format), or None when it is
    not a scalar id."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "item") and hasattr(value, "dtype"):  # a numpy scalar from pandas or Arrow
        return _id_of(value.item())
    return None


def check_row(
    record: Mapping[str, Any],
    *,
    line: int | None,
    text_key: str,
    id_key: str | None,
    keep: Sequence[str] = (),
    fallback_id: str | None = None,
    raw: str | None = None,
) -> Row | RowError:
    """Validate one parsed record; the same rules apply to every format and to the engine adapter.

    ``id_key=None`` uses ``fallback_id`` (``"<file name>:<line>"`` in files) as the id.

    >>> check_row({"id": 7, "text": "Ayo coblos 02!"}, line=1, text_key="text", id_key="id")
    Row(line=1, id='7', text='Ayo coblos 02!', keep={})
    >>> check_row({"id": 8, "text": ""}, line=2, text_key="text", id_key="id").code
    'E206'
    """
    if id_key is None:
        row_id = fallback_id if fallback_id is not None else str(line)
    else:
        value = record.get(id_key)
        if _is_missing(value) or value == "":
            return RowError(line, E_ID_MISSING, f"field {id_key!r} (the id) is missing or empty", None, raw)
        converted = _id_of(value)
        if converted is None:
            return RowError(
                line, E_TYPE, f"field {id_key!r} (the id) is {type(value).__name__}, expected a string or an integer", None, raw
            )
        if _has_bad_bytes(converted):
            return RowError(line, E_BYTES, f"field {id_key!r} (the id) holds bytes that are not UTF-8", None, raw)
        row_id = converted
    if text_key not in record:
        return RowError(line, E_TEXT_MISSING, f"field {text_key!r} is missing", row_id, raw)
    text = record[text_key]
    if _is_missing(text):
        return RowError(line, E_TEXT_MISSING, f"field {text_key!r} is null", row_id, raw)
    if isinstance(text, (bytes, bytearray)):  # a binary Parquet column
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            return RowError(line, E_BYTES, f"field {text_key!r} holds bytes that are not UTF-8 (at byte {exc.start})", row_id, raw)
    if not isinstance(text, str):
        return RowError(line, E_TYPE, f"field {text_key!r} is {type(text).__name__}, expected a string", row_id, raw)
    if not text.strip():
        return RowError(line, E_TEXT_EMPTY, f"field {text_key!r} is empty", row_id, raw)
    if len(text) > MAX_TEXT_CHARS:
        return RowError(
            line,
            E_TOO_LARGE,
            f"field {text_key!r} is {len(text)} characters long, more than the {MAX_TEXT_CHARS} a post can have",
            row_id,
            raw,
        )
    if _has_bad_bytes(text):
        return RowError(line, E_BYTES, f"field {text_key!r} holds bytes that are not UTF-8", row_id, raw)
    values = {k: record.get(k) for k in keep}
    for k, v in values.items():
        if _is_missing(v):
            values[k] = None
        elif isinstance(v, str) and _has_bad_bytes(v):
            values[k] = v.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return Row(line if line is not None else 0, row_id, text, values)


def _raw(text: str) -> str:
    return text if len(text) <= _RAW_CHARS else text[:_RAW_CHARS] + "..."


class RowReader:
    """Iterate ``(position, item)`` over one input file; use as a context manager.

    ``skip`` units (lines, records or rows, as recorded in a checkpoint) are passed over first.
    ``total`` is the number of units when the format records it (Parquet), else None.
    """

    #: Units consumed so far (after ``skip``, counting the items already yielded).
    position: int
    total: int | None = None

    def __init__(self, path: Path, *, text_key: str, id_key: str | None, keep: Sequence[str], skip: int) -> None:
        self.path = path
        self.text_key = text_key
        self.id_key = id_key
        self.keep = tuple(keep)
        self.skip = skip
        self.position = skip
        self._stack = contextlib.ExitStack()

    def _fallback(self, line: int) -> str:
        return f"{self.path.name}:{line}"

    def check(self, record: Mapping[str, Any], line: int, raw: str | None) -> Row | RowError:
        return check_row(
            record, line=line, text_key=self.text_key, id_key=self.id_key, keep=self.keep, fallback_id=self._fallback(line), raw=raw
        )

    def __iter__(self) -> Iterator[tuple[int, Item]]:
        raise NotImplementedError

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> RowReader:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _open_binary(path: Path) -> IO[bytes]:
    if str(path).lower().endswith(".gz"):
        # GzipFile reads ahead in small blocks: a truncated file loses only its last few lines
        # (a large read-ahead buffer would drop all it held when the stream breaks off).
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb", buffering=1 << 20)


_READ_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, OSError)


class JsonlReader(RowReader):
    """One JSON object a line; blank lines are not rows. Position: lines consumed."""

    def __iter__(self) -> Iterator[tuple[int, Item]]:
        fh = self._stack.enter_context(_open_binary(self.path))
        lineno = 0
        try:
            for lineno, line in enumerate(bounded_lines(fh, MAX_LINE_BYTES), start=1):
                if lineno <= self.skip:
                    continue
                self.position = lineno
                if isinstance(line, TooLong):
                    head = line.head if isinstance(line.head, str) else line.head.decode("utf-8", "backslashreplace")
                    raw = _raw(head)
                    yield lineno, RowError(lineno, E_TOO_LARGE, line.reason(MAX_LINE_BYTES), None, raw)
                    continue
                if lineno == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                if not line.strip():
                    continue
                yield lineno, self._parse(line, lineno)
        except _READ_ERRORS as exc:
            self.position = lineno + 1
            yield (
                self.position,
                RowError(
                    lineno + 1,
                    E_CORRUPT,
                    f"the file cannot be read past line {lineno} ({type(exc).__name__}: {exc}); the rest of it is skipped",
                ),
            )

    def _parse(self, line: bytes, lineno: int) -> Item:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return RowError(
                lineno,
                E_BYTES,
                f"the line holds bytes that are not UTF-8 (at byte {exc.start})",
                None,
                _raw(line.decode("utf-8", "backslashreplace").rstrip("\r\n")),
            )
        try:
            record = loads_row(text)
        except TooDeep as exc:
            return RowError(lineno, E_TOO_DEEP, str(exc), None, _raw(text.rstrip("\r\n")))
        except json.JSONDecodeError as exc:
            return RowError(lineno, E_JSON, f"invalid JSON ({exc.msg} at column {exc.colno})", None, _raw(text.rstrip("\r\n")))
        if not isinstance(record, dict):
            return RowError(lineno, E_NOT_OBJECT, f"expected a JSON object, got {type(record).__name__}", None, _raw(text.rstrip("\r\n")))
        item = self.check(record, lineno, None)
        if isinstance(item, RowError):
            item.raw = _raw(text.rstrip("\r\n"))
        return item


class CsvReader(RowReader):
    """A header line, then one record a row (quoted fields may span lines). Position: records."""

    def __init__(self, path: Path, **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        self.fieldnames = self._header()

    def _text_stream(self) -> IO[str]:
        # surrogateescape: bytes that are not UTF-8 survive decoding and are caught per row.
        return io.TextIOWrapper(_open_binary(self.path), encoding="utf-8-sig", errors="surrogateescape", newline="")

    def _header(self) -> list[str]:
        try:
            with self._text_stream() as fh:
                header = next(csv.reader(fh), None)
        except _READ_ERRORS as exc:
            raise InputError(f"{self.path}: cannot read the header ({exc})", code="E216") from None
        if not header:
            raise InputError(f"{self.path}: empty file, expected a CSV header line", code="E212")
        needed = [self.text_key] + ([self.id_key] if self.id_key is not None else [])
        missing = [k for k in needed if k not in header]
        if missing:
            hint = " (pass --id-key '' to number rows instead)" if self.id_key in missing else ""
            raise InputError(f"{self.path}:1: column(s) {missing} missing; the header has {header}{hint}", code="E212")
        return header

    @staticmethod
    def _lines(fh: IO[str]) -> Iterator[str]:
        # The csv module would hold a line of any length whole: one that is too long is handed
        # over as a marker line, and the record it falls in becomes an E217 error.
        for line in bounded_lines(fh, MAX_LINE_BYTES):
            yield _CSV_TOO_LONG + "\n" if isinstance(line, TooLong) else line

    def __iter__(self) -> Iterator[tuple[int, Item]]:
        csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
        fh = self._stack.enter_context(self._text_stream())
        reader = csv.reader(self._lines(fh))
        width = len(self.fieldnames)
        try:
            next(reader)  # the header
            count = 0
            while True:
                start = reader.line_num + 1
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    count += 1
                    if count > self.skip:
                        self.position = count
                        yield count, RowError(start, E_CSV_ROW, f"malformed CSV record ({exc})")
                    continue
                if not fields:  # a blank line is not a record
                    continue
                count += 1
                if count <= self.skip:
                    continue
                self.position = count
                if any(_CSV_TOO_LONG in f for f in fields):
                    yield (
                        count,
                        RowError(start, E_TOO_LARGE, f"the record has a line longer than the {MAX_LINE_BYTES} bytes a row may have"),
                    )
                    continue
                if len(fields) != width:
                    raw = _raw(",".join(fields))
                    yield count, RowError(start, E_CSV_ROW, f"the record has {len(fields)} fields, the header {width}", None, raw)
                    continue
                item = self.check(dict(zip(self.fieldnames, fields, strict=True)), start, None)
                if isinstance(item, RowError):
                    item.raw = _raw(",".join(fields).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))
                yield count, item
        except _READ_ERRORS as exc:
            self.position += 1
            yield (
                self.position,
                RowError(
                    reader.line_num + 1,
                    E_CORRUPT,
                    f"the file cannot be read past line {reader.line_num} ({type(exc).__name__}: {exc}); the rest of it is skipped",
                ),
            )


class ParquetReader(RowReader):
    """Record batches of the needed columns only; row groups before ``skip`` are not read.
    Position: rows. A gzip-compressed file is first decompressed to ``tmp_dir`` (Parquet needs
    random access), by streaming, so memory stays flat."""

    def __init__(self, path: Path, *, tmp_dir: Path | None = None, **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        import pyarrow.parquet as pq

        source = path
        if str(path).lower().endswith(".gz"):
            tmp_dir = tmp_dir or path.parent
            # A fixed name: a run killed while reading leaves it, and the next run replaces it.
            source = tmp_dir / f".{path.name.removesuffix('.gz')}.decompressed.tmp"
            try:
                with gzip.open(path, "rb") as fin, open(source, "wb") as fout:
                    shutil.copyfileobj(fin, fout, 1 << 20)
            except _READ_ERRORS as exc:
                source.unlink(missing_ok=True)
                raise InputError(f"{path}: cannot decompress ({exc})", code="E216") from None
            self._stack.callback(source.unlink, missing_ok=True)
        try:
            self._file = pq.ParquetFile(source)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError...
            self.close()
            raise InputError(f"{path}: not a readable Parquet file ({exc})", code="E216") from None
        self._stack.callback(self._file.close)
        names = self._file.schema_arrow.names
        needed = [self.text_key] + ([self.id_key] if self.id_key is not None else [])
        missing = [k for k in needed if k not in names]
        if missing:
            self.close()
            hint = " (pass --id-key '' to number rows instead)" if self.id_key in missing else ""
            raise InputError(f"{path}: column(s) {missing} missing; the file has {names}{hint}", code="E212")
        self._columns = list(dict.fromkeys([*needed, *(k for k in self.keep if k in names)]))
        self.total = self._file.metadata.num_rows

    def __iter__(self) -> Iterator[tuple[int, Item]]:
        meta = self._file.metadata
        groups: list[int] = []
        row = start_of_group = 0  # row: rows of the file before the current batch
        for g in range(meta.num_row_groups):
            n = meta.row_group(g).num_rows
            if start_of_group + n > self.skip:  # a group with rows to read
                if not groups:
                    row = start_of_group
                groups.append(g)
            start_of_group += n
        try:
            for batch in self._file.iter_batches(batch_size=_PARQUET_BATCH, row_groups=groups, columns=self._columns, use_threads=False):
                columns = {name: batch.column(i).to_pylist() for i, name in enumerate(batch.schema.names)}
                start = max(0, self.skip - row)
                for i in range(start, batch.num_rows):
                    record = {name: values[i] for name, values in columns.items()}
                    self.position = row + i + 1
                    yield self.position, self.check(record, self.position, None)
                row += batch.num_rows
        except Exception as exc:  # a damaged page or row group (pyarrow raises several kinds)
            self.position = max(self.position, row) + 1
            yield (
                self.position,
                RowError(
                    self.position,
                    E_CORRUPT,
                    f"the file cannot be read past row {self.position - 1} ({type(exc).__name__}: {exc}); the rest of it is skipped",
                ),
            )


def open_reader(
    path: str | Path,
    *,
    fmt: str | None = None,
    text_key: str = "text",
    id_key: str | None = "id",
    keep: Sequence[str] = (),
    skip: int = 0,
    tmp_dir: str | Path | None = None,
) -> RowReader:
    """Open a streaming reader over one input file (format from ``fmt`` or the name).

    Raises :class:`~netral_nlp.errors.InputError` for a problem of the whole file: not found
    (``E202``), unknown format (``E201``), a required column missing from a CSV header or a
    Parquet schema (``E212``), not readable at all (``E216``).

    >>> with open_reader("posts.csv", keep=["source"], skip=100) as reader:   # doctest: +SKIP
    ...     rows = [item for _, item in reader]
    """
    path = Path(path)
    kind = guess_input_format(path, fmt)
    if not path.is_file():
        raise InputError(f"{path}: no such file", code="E202")
    kwargs: dict[str, Any] = {"text_key": text_key, "id_key": id_key, "keep": keep, "skip": skip}
    if kind == "jsonl":
        return JsonlReader(path, **kwargs)
    if kind == "csv":
        return CsvReader(path, **kwargs)
    return ParquetReader(path, tmp_dir=Path(tmp_dir) if tmp_dir is not None else None, **kwargs)

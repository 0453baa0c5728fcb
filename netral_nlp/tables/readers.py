"""Streaming readers of users' tables: JSON Lines (or one JSON array), CSV, TSV, Parquet and plain
text, plain or gzip-compressed, with one set of rules for every command.

A reader yields one item per row, a :class:`Record` (its line and its values) or a
:class:`RowError` that says why the row cannot be read (invalid JSON, bytes that do not decode,
a line too long, a CSV record the csv module rejects...), together with its *position*: how many
units of the file (lines of JSONL and text, records of CSV, rows of Parquet, items of a JSON
array) have been consumed. A resumed run skips that many units without parsing them. Memory stays
bounded: files are read line by line or batch by batch, never whole (a JSON array excepted, up to
:data:`MAX_JSON_ARRAY_BYTES`).

Each command keeps its own stable error codes: it passes a :data:`CodeTable` that maps every kind
of problem (:data:`PROBLEMS`) to its code, so the problems are found once, here, and reported in
the command's words. Values that did not decode in a CSV or TSV record are kept with
``surrogateescape`` for the command to report with their field (see
:func:`~netral_nlp.tables.rows.has_bad_bytes`).

>>> with open_table("posts.jsonl.gz", codes=codes) as reader:        # doctest: +SKIP
...     for position, item in reader:
...         print(reader.where(item.line), item.values if isinstance(item, Record) else item.reason)
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
from typing import IO, Any, Self

from netral_nlp.errors import InputError, MissingFileError
from netral_nlp.tables.formats import DEFAULT_ENCODING, FORMATS, check_encoding, is_gzip, open_binary, table_format
from netral_nlp.tables.rows import MAX_JSON_DEPTH, MAX_LINE_BYTES, TooDeep, TooLong, bounded_lines, loads_row

__all__ = [
    "MAX_JSON_ARRAY_BYTES",
    "PROBLEMS",
    "CodeTable",
    "Record",
    "RowError",
    "TableReader",
    "open_table",
    "short_raw",
]

#: The kinds of problem a reader finds: for the whole file (raised as ``InputError``) and for
#: one row (yielded as :class:`RowError`). A :data:`CodeTable` gives each its code.
PROBLEMS: dict[str, str] = {
    "not_found": "the file does not exist",
    "format": "the format cannot be told, or is not one the command reads",
    "columns": "a column the command needs is missing from the header or schema",
    "unreadable": "the file cannot be read at all (a damaged .gz or Parquet file, no header)",
    "json": "a JSON line that is not valid JSON",
    "not_object": "a JSON line or array item that is not an object",
    "bytes": "bytes that do not decode in the file's encoding",
    "too_large": "a line longer than a row may be",
    "too_deep": "JSON nested too deeply to parse safely",
    "csv_record": "a CSV record with the wrong number of fields, or one the csv module rejects",
    "cut": "the rest of the file cannot be read (a truncated .gz, a damaged Parquet page)",
}
#: Problem kind -> error code, one table per command (``predict`` uses E2xx codes, labelled sets E11x...).
CodeTable = Mapping[str, str]
#: Largest JSON array read as a table: it is parsed whole (JSON Lines stream instead).
MAX_JSON_ARRAY_BYTES = 256 * 1024 * 1024
#: Rows per Parquet record batch read at a time.
_PARQUET_BATCH = 8192
#: Characters of a bad row kept to show it (an errors file's ``raw``), enough to find it.
_RAW_CHARS = 200
#: Largest CSV field accepted (the csv module's default, 128 KiB, is below some long posts).
_CSV_FIELD_LIMIT = 16 * 1024 * 1024
#: Stands, in the lines handed to the csv module, for a physical line that was too long.
_CSV_TOO_LONG = "\x00netral:line-too-long\x00"
_READ_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, OSError)


def short_raw(text: str) -> str:
    """The start of a bad row, as shown in errors.

    >>> short_raw("x" * 300)[-5:], len(short_raw("x" * 300))
    ('xx...', 203)
    """
    return text if len(text) <= _RAW_CHARS else text[:_RAW_CHARS] + "..."


class Record:
    """A readable row: its ``line`` (the line a JSONL/CSV record starts on, the 1-based row of
    Parquet, the item of a JSON array) and its ``values`` by column name. ``raw`` is the row as
    read, for error messages (None for Parquet)."""

    __slots__ = ("_fields", "_raw", "line", "values")

    def __init__(self, line: int, values: dict[str, Any], raw: str | None = None, fields: list[str] | None = None) -> None:
        self.line = line
        self.values = values
        self._raw = raw
        self._fields = fields

    @property
    def raw(self) -> str | None:
        """The start of the row as read (shortened), built only when asked for."""
        if self._raw is None and self._fields is not None:  # a CSV record: joined only for an error
            self._raw = ",".join(self._fields).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return None if self._raw is None else short_raw(self._raw.rstrip("\r\n"))

    def __repr__(self) -> str:
        return f"Record(line={self.line}, values={self.values!r})"


@dataclasses.dataclass(slots=True)
class RowError:
    """A row that cannot be used, with a stable ``code``, a ``reason`` in words (naming the field
    at fault, if any) and, where known, the ``field`` and the ``kind`` of problem (one of
    :data:`PROBLEMS`; empty for a command's own checks)."""

    line: int | None
    code: str
    reason: str
    id: str | None = None
    raw: str | None = None
    field: str | None = None
    kind: str = ""

    def describe(self, where: str) -> str:
        """``where`` (``posts.jsonl:12``) and the reason, as one line.

        >>> RowError(12, "E205", "field 'text' is missing", field="text").describe("posts.jsonl:12")
        "posts.jsonl:12: field 'text' is missing"
        """
        return f"{where}: {self.reason}"


Item = Record | RowError


class Closing:
    """A reader used as a context manager: closed when the block ends."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class TableReader(Closing):
    """Iterate ``(position, item)`` over one file; use as a context manager.

    ``skip`` units (lines, records, rows or items, as a checkpoint recorded them) are passed over
    first. ``total`` is the number of units when the format records it (Parquet), else None;
    ``header`` the column names when the format has them before the rows (CSV, TSV, Parquet).
    """

    #: Units consumed so far (after ``skip``, counting the items already yielded).
    position: int
    total: int | None = None
    header: list[str] | None = None
    #: What ``line`` counts in this format (``where`` says it).
    unit = "line"
    #: The format read (one of :data:`~netral_nlp.tables.formats.FORMATS`).
    format = ""

    def __init__(self, source: Path | IO[bytes], *, name: str, codes: CodeTable, encoding: str, skip: int) -> None:
        self.source = source
        self.name = name
        self.codes = codes
        self.encoding = encoding
        self.skip = skip
        self.position = skip
        self._stack = contextlib.ExitStack()

    @property
    def encoding_name(self) -> str:
        """The encoding as said in messages (``UTF-8``, ``cp1252``)."""
        return "UTF-8" if self.encoding == DEFAULT_ENCODING else self.encoding

    def where(self, line: int | None) -> str:
        """Where a row is, for messages: ``posts.jsonl:12``, ``posts.parquet row 12``."""
        if line is None:
            return self.name
        return f"{self.name}:{line}" if self.unit == "line" else f"{self.name} {self.unit} {line}"

    def _error(self, line: int | None, kind: str, reason: str, raw: str | None = None) -> RowError:
        return RowError(line, self.codes[kind], reason, None, None if raw is None else short_raw(raw.rstrip("\r\n")), None, kind)

    def _fail(self, kind: str, message: str) -> InputError:
        return InputError(message, code=self.codes[kind])

    def _binary(self) -> IO[bytes]:
        if isinstance(self.source, Path):
            return self._stack.enter_context(open_binary(self.source))
        return self.source

    def __iter__(self) -> Iterator[tuple[int, Item]]:
        raise NotImplementedError

    def close(self) -> None:
        self._stack.close()


class _LineReader(TableReader):
    """Shared by the line formats: the lines of the file, each decoded, with their numbers."""

    def _decode(self, line: bytes, lineno: int) -> str | RowError:
        if lineno == 1 and self.encoding == DEFAULT_ENCODING and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        try:
            return line.decode(self.encoding)
        except UnicodeDecodeError as exc:
            return self._error(
                lineno,
                "bytes",
                f"the line holds bytes that are not {self.encoding_name} (at byte {exc.start}); pass the file's encoding (--encoding) "
                "or re-save it as UTF-8",
                line.decode("utf-8", "backslashreplace"),
            )

    def _lines(self) -> Iterator[tuple[int, str | RowError]]:
        """``(line number, text or error)`` for every line after ``skip``; sets ``position``."""
        fh = self._binary()
        lineno = 0
        try:
            for lineno, line in enumerate(bounded_lines(fh, MAX_LINE_BYTES), start=1):
                if lineno <= self.skip:
                    continue
                self.position = lineno
                if isinstance(line, TooLong):
                    head = line.head if isinstance(line.head, str) else line.head.decode("utf-8", "backslashreplace")
                    yield lineno, self._error(lineno, "too_large", line.reason(MAX_LINE_BYTES), head)
                    continue
                yield lineno, self._decode(line, lineno)
        except _READ_ERRORS as exc:
            self.position = lineno + 1
            yield (
                lineno + 1,
                self._error(
                    lineno + 1,
                    "cut",
                    f"the file cannot be read past line {lineno} ({type(exc).__name__}: {exc}); the rest of it is skipped",
                ),
            )


class TextReader(_LineReader):
    """Plain text, one text a line (blank lines too: a line in, a line out). Position: lines.
    Each record has the line, without its end, under ``text_key``."""

    def __init__(self, source: Path | IO[bytes], *, text_key: str, **kwargs: Any) -> None:
        super().__init__(source, **kwargs)
        self.text_key = text_key

    def __iter__(self) -> Iterator[tuple[int, Item]]:
        for lineno, text in self._lines():
            if isinstance(text, RowError):
                yield self.position, text
            else:
                yield self.position, Record(lineno, {self.text_key: text.rstrip("\r\n")}, text)


class JsonlReader(_LineReader):
    """One JSON object a line; blank lines are not rows. Position: lines consumed.

    A file whose first character is ``[`` holds one JSON array of objects instead (read whole, up
    to :data:`MAX_JSON_ARRAY_BYTES`); then the position counts its items.
    """

    def __iter__(self) -> Iterator[tuple[int, Item]]:
        fh = self._binary()
        try:
            head = fh.peek(64)[:64] if hasattr(fh, "peek") else b""
        except _READ_ERRORS:  # not gzip, damaged: the line reader says where it breaks off
            head = b""
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
            yield from self._array(fh)
            return
        for lineno, text in self._lines():
            if isinstance(text, RowError):
                yield self.position, text
            elif text.strip():
                yield self.position, self._parse(text, lineno)

    def _parse(self, text: str, lineno: int) -> Item:
        try:
            record = loads_row(text)
        except TooDeep as exc:
            return self._error(lineno, "too_deep", str(exc), text)
        except json.JSONDecodeError as exc:
            return self._error(lineno, "json", f"invalid JSON ({exc.msg} at column {exc.colno})", text)
        if not isinstance(record, dict):
            return self._error(lineno, "not_object", f"expected a JSON object, got {type(record).__name__}", text)
        return Record(lineno, record, text)

    def _array(self, fh: IO[bytes]) -> Iterator[tuple[int, Item]]:
        self.unit = "item"
        try:
            data = fh.read(MAX_JSON_ARRAY_BYTES + 1)
        except _READ_ERRORS as exc:
            raise self._fail("unreadable", f"{self.name}: cannot be read ({type(exc).__name__}: {exc})") from None
        if len(data) > MAX_JSON_ARRAY_BYTES:
            raise self._fail("too_large", f"{self.name}: a JSON array larger than {MAX_JSON_ARRAY_BYTES} bytes; write it as JSON Lines")
        try:
            text = data.decode("utf-8-sig" if self.encoding == DEFAULT_ENCODING else self.encoding)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise self._fail(
                "bytes", f"{self.name}:{line}: bytes that are not {self.encoding_name}; pass the file's encoding (--encoding)"
            ) from None
        try:
            items = loads_row(text, max_depth=MAX_JSON_DEPTH + 1)  # the array adds a level
        except TooDeep as exc:
            raise self._fail("too_deep", f"{self.name}: {exc}") from None
        except json.JSONDecodeError as exc:
            raise self._fail("json", f"{self.name}:{exc.lineno}: invalid JSON ({exc.msg})") from None
        if not isinstance(items, list):
            raise self._fail("not_object", f"{self.name}: expected a JSON array of objects")
        for i, item in enumerate(items, start=1):
            if i <= self.skip:
                continue
            self.position = i
            if isinstance(item, dict):
                yield i, Record(i, item)
            else:
                yield i, self._error(i, "not_object", f"expected a JSON object, got {type(item).__name__}", json.dumps(item)[:_RAW_CHARS])


class CsvReader(TableReader):
    """A header line, then one record a row (quoted fields may span lines); TSV with
    ``delimiter="\\t"``. Position: records. Values are strings as written (no type guessing)."""

    def __init__(self, source: Path | IO[bytes], *, delimiter: str = ",", **kwargs: Any) -> None:
        super().__init__(source, **kwargs)
        self.delimiter = delimiter
        csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
        # surrogateescape: bytes that do not decode survive and are reported with their field.
        codec = "utf-8-sig" if self.encoding == DEFAULT_ENCODING else self.encoding
        try:
            self._fh: IO[str] = io.TextIOWrapper(self._binary(), encoding=codec, errors="surrogateescape", newline="")
            self._csv = csv.reader(self._lines(self._fh), delimiter=delimiter)
            header = next(self._csv, None)
        except (*_READ_ERRORS, csv.Error) as exc:
            self.close()
            raise self._fail("unreadable", f"{self.name}: cannot read the header ({exc})") from None
        if not header:
            self.close()
            raise self._fail("columns", f"{self.name}: empty file, expected a header line with the column names")
        self.header = header

    @staticmethod
    def _lines(fh: IO[str]) -> Iterator[str]:
        # The csv module would hold a line of any length whole: one that is too long is handed
        # over as a marker line, and the record it falls in becomes an error.
        for line in bounded_lines(fh, MAX_LINE_BYTES):
            yield _CSV_TOO_LONG + "\n" if isinstance(line, TooLong) else line

    def __iter__(self) -> Iterator[tuple[int, Item]]:
        reader, header = self._csv, self.header or []
        width = len(header)
        count = 0
        try:
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
                        yield count, self._error(start, "csv_record", f"malformed CSV record ({exc})")
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
                        self._error(start, "too_large", f"the record has a line longer than the {MAX_LINE_BYTES} bytes a row may have"),
                    )
                    continue
                if len(fields) != width:
                    rec = Record(start, {}, fields=fields)
                    yield count, self._error(start, "csv_record", f"the record has {len(fields)} fields, the header {width}", rec.raw)
                    continue
                yield count, Record(start, dict(zip(header, fields, strict=True)), fields=fields)
        except _READ_ERRORS as exc:
            self.position += 1
            yield (
                self.position,
                self._error(
                    reader.line_num + 1,
                    "cut",
                    f"the file cannot be read past line {reader.line_num} ({type(exc).__name__}: {exc}); the rest of it is skipped",
                ),
            )

    def close(self) -> None:
        fh = getattr(self, "_fh", None)
        if fh is not None:
            with contextlib.suppress(OSError, ValueError):
                if isinstance(self.source, Path):
                    fh.close()
                else:
                    fh.detach()  # standard input stays open for whoever reads it next
        super().close()


class ParquetReader(TableReader):
    """Record batches of the columns asked for (all when None); row groups before ``skip`` are not
    read. Position: rows. A gzip-compressed file is first decompressed to ``tmp_dir`` (Parquet
    needs random access), by streaming, so memory stays flat."""

    unit = "row"

    def __init__(self, source: Path, *, columns: Sequence[str] | None, tmp_dir: Path | None = None, **kwargs: Any) -> None:
        super().__init__(source, **kwargs)
        import pyarrow.parquet as pq

        path = file = source
        if is_gzip(path):
            tmp_dir = tmp_dir or path.parent
            # A fixed name: a run killed while reading leaves it, and the next run replaces it.
            file = tmp_dir / f".{path.name.removesuffix('.gz')}.decompressed.tmp"
            try:
                with gzip.open(path, "rb") as fin, open(file, "wb") as fout:
                    shutil.copyfileobj(fin, fout, 1 << 20)
            except _READ_ERRORS as exc:
                file.unlink(missing_ok=True)
                raise self._fail("unreadable", f"{self.name}: cannot decompress ({exc})") from None
            self._stack.callback(file.unlink, missing_ok=True)
        try:
            self._file = pq.ParquetFile(file)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError...
            self.close()
            raise self._fail("unreadable", f"{self.name}: not a readable Parquet file ({exc})") from None
        self._stack.callback(self._file.close)
        self.header = list(self._file.schema_arrow.names)
        self._columns = self.header if columns is None else [c for c in dict.fromkeys(columns) if c in self.header]
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
                    self.position = row + i + 1
                    yield self.position, Record(self.position, {name: values[i] for name, values in columns.items()})
                row += batch.num_rows
        except Exception as exc:  # a damaged page or row group (pyarrow raises several kinds)
            self.position = max(self.position, row) + 1
            yield (
                self.position,
                self._error(
                    self.position,
                    "cut",
                    f"the file cannot be read past row {self.position - 1} ({type(exc).__name__}: {exc}); the rest of it is skipped",
                ),
            )


def open_table(
    source: str | Path,
    *,
    codes: CodeTable,
    fmt: str | None = None,
    formats: tuple[str, ...] = FORMATS,
    default_format: str | None = None,
    option: str | None = "--format",
    encoding: str = DEFAULT_ENCODING,
    columns: Sequence[str] | None = None,
    text_key: str = "text",
    skip: int = 0,
    tmp_dir: str | Path | None = None,
    stdin: IO[bytes] | None = None,
) -> TableReader:
    """Open a streaming reader over one file (``"-"``: ``stdin``, a text format) in format ``fmt``
    or the one its name says, among ``formats`` (``option``: the command's option that names a
    format, for the message when the name does not tell).

    ``columns`` are the columns a Parquet reader reads (None: all); every other format gives all
    of a row's values. ``text_key`` names the value of a plain-text line. Raises
    :class:`~netral_nlp.errors.InputError` with the code ``codes`` gives for a problem of the whole
    file: not found (``not_found``, a :class:`~netral_nlp.errors.MissingFileError`), a format that
    cannot be told or is not read (``format``), no header (``columns``), not readable at all
    (``unreadable``); and for an unknown ``encoding`` (``E223``).

    >>> with open_table("labels.csv", codes=LABELLED_CODES) as reader:     # doctest: +SKIP
    ...     records = [item for _, item in reader]
    """
    encoding = check_encoding(encoding)
    name = "<stdin>" if str(source) == "-" else str(source)
    kind = table_format(source, fmt, allowed=formats, code=codes["format"], default=default_format, option=option)
    kwargs: dict[str, Any] = {"name": name, "codes": codes, "encoding": encoding, "skip": skip}
    if str(source) == "-":
        if kind == "parquet":
            raise InputError("Parquet cannot be read from standard input: pass the file", code=codes["format"])
        src: Path | IO[bytes] = stdin if stdin is not None else _stdin()
    else:
        src = Path(source)
        if not src.is_file():
            why = "no such file" if not src.exists() else "not a file"
            raise MissingFileError(f"{src}: {why}", code=codes["not_found"])
    reader: TableReader
    if kind == "jsonl":
        reader = JsonlReader(src, **kwargs)
    elif kind in ("csv", "tsv"):
        reader = CsvReader(src, delimiter="\t" if kind == "tsv" else ",", **kwargs)
    elif kind == "txt":
        reader = TextReader(src, text_key=text_key, **kwargs)
    else:
        assert isinstance(src, Path)
        reader = ParquetReader(src, columns=columns, tmp_dir=Path(tmp_dir) if tmp_dir is not None else None, **kwargs)
    reader.format = kind
    return reader


def _stdin() -> IO[bytes]:
    import sys

    return sys.stdin.buffer

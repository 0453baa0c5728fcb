"""Rows of scraped posts, read with the table layer (:mod:`netral_nlp.tables.readers`) and checked
for what a post needs: an id and a text.

A reader yields one item per input row, a :class:`Row` it can classify or a :class:`RowError`
that says why it cannot (invalid JSON, text missing, empty or not a string, bytes that are not
UTF-8...), together with its *position* in the file (see :class:`~netral_nlp.tables.TableReader`),
which a resumed run skips.

>>> with open_reader("posts.jsonl.gz") as reader:                # doctest: +SKIP
...     for position, item in reader:
...         print(item.line, item.id if isinstance(item, Row) else item.reason)
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from netral_nlp.errors import InputError
from netral_nlp.tables.formats import DEFAULT_ENCODING, TABLE_FORMATS, table_format
from netral_nlp.tables.readers import Closing, Record, RowError, TableReader, open_table
from netral_nlp.tables.rows import MAX_TEXT_CHARS, has_bad_bytes, id_text, is_missing

__all__ = [
    "INPUT_FORMATS",
    "PREDICT_CODES",
    "Row",
    "RowError",
    "RowReader",
    "check_row",
    "guess_input_format",
    "open_reader",
]

#: Input formats; each but Parquet may be gzip-compressed (``.gz``; a Parquet file too, decompressed first).
INPUT_FORMATS = TABLE_FORMATS
#: Codes of the problems of ``predict``'s inputs (see netral_nlp.errors.CODES): the table layer's
#: kinds, then the checks of a post.
PREDICT_CODES: dict[str, str] = {
    "not_found": "E202",
    "format": "E201",
    "columns": "E212",
    "unreadable": "E216",
    "json": "E204",
    "not_object": "E209",
    "bytes": "E208",
    "too_large": "E217",
    "too_deep": "E218",
    "csv_record": "E211",
    "cut": "E216",
}
E_TEXT_MISSING = "E205"  # text field absent or null
E_TEXT_EMPTY = "E206"  # text is empty or whitespace
E_TYPE = "E207"  # text or id of the wrong type
E_BYTES = PREDICT_CODES["bytes"]
E_ID_MISSING = "E210"  # id field absent, null or empty
E_TOO_LARGE = PREDICT_CODES["too_large"]
#: Rows of a JSON Lines file read before a text field that none of them has is an error of the
#: file (a wrong --text-key), not of each row.
FIELD_CHECK_ROWS = 50


@dataclasses.dataclass(slots=True)
class Row:
    """A usable input row: its line (JSONL/CSV) or 1-based row number (Parquet), id, text and the
    values of the columns the user asked to keep."""

    line: int
    id: str
    text: str
    keep: dict[str, Any]


Item = Row | RowError


def guess_input_format(path: str | Path, fmt: str | None = None) -> str:
    """The format of an input file, from ``fmt`` or the file name (``.gz`` is looked through).

    >>> guess_input_format("dump.jsonl.gz")
    'jsonl'
    >>> guess_input_format("dump.parquet")
    'parquet'
    """
    return table_format(path, fmt, allowed=INPUT_FORMATS, code=PREDICT_CODES["format"], option="--input-format")


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
        if is_missing(value) or value == "":
            return RowError(line, E_ID_MISSING, f"field {id_key!r} (the id) is missing or empty", None, raw, id_key)
        converted = id_text(value)
        if converted is None:
            return RowError(
                line, E_TYPE, f"field {id_key!r} (the id) is {type(value).__name__}, expected a string or an integer", None, raw, id_key
            )
        if has_bad_bytes(converted):
            return RowError(line, E_BYTES, f"field {id_key!r} (the id) holds bytes that are not UTF-8", None, raw, id_key)
        row_id = converted
    if text_key not in record:
        return RowError(line, E_TEXT_MISSING, f"field {text_key!r} is missing", row_id, raw, text_key)
    text = record[text_key]
    if is_missing(text):
        return RowError(line, E_TEXT_MISSING, f"field {text_key!r} is null", row_id, raw, text_key)
    if isinstance(text, (bytes, bytearray)):  # a binary Parquet column
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            return RowError(
                line, E_BYTES, f"field {text_key!r} holds bytes that are not UTF-8 (at byte {exc.start})", row_id, raw, text_key
            )
    if not isinstance(text, str):
        return RowError(line, E_TYPE, f"field {text_key!r} is {type(text).__name__}, expected a string", row_id, raw, text_key)
    if not text.strip():
        return RowError(line, E_TEXT_EMPTY, f"field {text_key!r} is empty", row_id, raw, text_key)
    if len(text) > MAX_TEXT_CHARS:
        return RowError(
            line,
            E_TOO_LARGE,
            f"field {text_key!r} is {len(text)} characters long, more than the {MAX_TEXT_CHARS} a post can have",
            row_id,
            raw,
            text_key,
        )
    if has_bad_bytes(text):
        return RowError(line, E_BYTES, f"field {text_key!r} holds bytes that are not UTF-8", row_id, raw, text_key)
    values = {k: record.get(k) for k in keep}
    for k, v in values.items():
        if is_missing(v):
            values[k] = None
        elif isinstance(v, str) and has_bad_bytes(v):  # a kept value's bytes that did not decode show as U+FFFD
            values[k] = v.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return Row(line if line is not None else 0, row_id, text, values)


class RowReader(Closing):
    """Iterate ``(position, item)`` over one input file of posts; use as a context manager.

    ``skip`` units (lines, records or rows, as recorded in a checkpoint) are passed over first.
    ``total`` is the number of units when the format records it (Parquet), else None.
    """

    def __init__(self, table: TableReader, *, path: Path, text_key: str, id_key: str | None, keep: Sequence[str]) -> None:
        self.table = table
        self.path = path
        self.text_key = text_key
        self.id_key = id_key
        self.keep = tuple(keep)
        self.total = table.total

    @property
    def position(self) -> int:
        """Units consumed so far (after ``skip``, counting the items already yielded)."""
        return self.table.position

    def __iter__(self) -> Iterator[tuple[int, Item]]:
        name = self.path.name
        for position, item in self.table:
            if isinstance(item, Record):
                line = item.line
                row = check_row(
                    item.values, line=line, text_key=self.text_key, id_key=self.id_key, keep=self.keep, fallback_id=f"{name}:{line}"
                )
                if isinstance(row, RowError):
                    row.raw = item.raw
                yield position, row
            else:
                yield position, item

    def close(self) -> None:
        self.table.close()


def _check_text_field(path: Path, text_key: str, reopen: Callable[[], Any]) -> None:
    """A file without a header (JSON Lines) says nothing of its fields until its rows are read:
    if none of its first :data:`FIELD_CHECK_ROWS` objects (or none at all, in a shorter file) has
    the text field, the text key is wrong for the file (``E212``), which is said before anything
    is written, rather than as one error row per post."""
    seen: dict[str, None] = {}
    objects = 0
    table = reopen()
    try:
        for n, (_, item) in enumerate(table):
            if isinstance(item, Record) and isinstance(item.values, dict):
                if text_key in item.values:
                    return
                seen.update(dict.fromkeys(map(str, item.values)))
                objects += 1
            if objects >= FIELD_CHECK_ROWS or n >= 20 * FIELD_CHECK_ROWS:
                break
    finally:
        table.close()
    if objects:
        fields = ", ".join(list(seen)[:12]) + (", ..." if len(seen) > 12 else "")
        raise InputError(
            f"{path}: field {text_key!r} is in none of its first {objects} rows; their fields: {fields} (check --text-key)",
            code=PREDICT_CODES["columns"],
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
    encoding: str = DEFAULT_ENCODING,
) -> RowReader:
    """Open a streaming reader of posts over one input file (format from ``fmt`` or the name).

    Raises :class:`~netral_nlp.errors.InputError` for a problem of the whole file: not found
    (``E202``), unknown format (``E201``), a required column missing from a CSV header or a
    Parquet schema (``E212``), not readable at all (``E216``).

    >>> with open_reader("posts.csv", keep=["source"], skip=100) as reader:   # doctest: +SKIP
    ...     rows = [item for _, item in reader]
    """
    path = Path(path)
    needed = [text_key] + ([id_key] if id_key is not None else [])
    reopen = functools.partial(
        open_table,
        path,
        codes=PREDICT_CODES,
        fmt=guess_input_format(path, fmt),
        formats=INPUT_FORMATS,
        option="--input-format",
        encoding=encoding,
        columns=[*needed, *keep],
        tmp_dir=tmp_dir,
    )
    table = reopen(skip=skip)
    if table.header is None and path.is_file():
        try:
            _check_text_field(path, text_key, reopen)
        except BaseException:
            table.close()
            raise
    if table.header is not None:
        missing = [k for k in needed if k not in table.header]
        if missing:
            table.close()
            hint = " (pass --id-key '' to number rows instead)" if id_key in missing else ""
            where = f"{path}:1" if table.unit == "line" else str(path)
            raise InputError(f"{where}: column(s) {missing} missing; the file has {table.header}{hint}", code=PREDICT_CODES["columns"])
    return RowReader(table, path=path, text_key=text_key, id_key=id_key, keep=keep)

"""A whole table as a pandas DataFrame, read with the streaming readers: for the small tables a
command needs all at once (labelled sets, activity and accounts tables).

The first row that cannot be read stops the reading with the command's code and its place
(``labels.csv:12: field 'text' holds bytes that are not utf-8``): a table used whole cannot be
used with a row missing.

>>> frame = read_frame("labels.csv", codes=LABELLED_CODES)        # doctest: +SKIP
>>> frame.data.columns.tolist(), frame.where[0]                    # doctest: +SKIP
(['id', 'text', 'label'], 'labels.csv:2')
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

from netral_nlp.errors import InputError
from netral_nlp.tables.formats import DEFAULT_ENCODING, TABLE_FORMATS
from netral_nlp.tables.readers import CodeTable, Record, open_table
from netral_nlp.tables.rows import has_bad_bytes

__all__ = ["Frame", "read_frame"]


@dataclasses.dataclass
class Frame:
    """A table read whole: ``data`` (one row per record, values as read: strings for CSV/TSV),
    ``lines`` (the line or row of each record) and ``where`` (``file:line`` of each, for messages)."""

    data: pd.DataFrame
    lines: list[int]
    where: list[str]
    header: list[str] | None


def bad_bytes_field(values: dict[str, Any]) -> str | None:
    """The first field whose text holds bytes that did not decode, or None.

    >>> bad_bytes_field({"a": "ok", "b": b"caf\\xe9".decode("utf-8", "surrogateescape")})
    'b'
    """
    for key, value in values.items():
        if isinstance(value, str) and has_bad_bytes(value):
            return key
    return None


def read_frame(
    path: str | Path,
    *,
    codes: CodeTable,
    formats: tuple[str, ...] = TABLE_FORMATS,
    encoding: str = DEFAULT_ENCODING,
) -> Frame:
    """Read ``path`` whole (see :func:`~netral_nlp.tables.readers.open_table` for the formats, the
    encoding and the file-level errors). A row that cannot be read raises
    :class:`~netral_nlp.errors.InputError` with its place and the code ``codes`` gives its kind."""
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    where: list[str] = []
    with open_table(path, codes=codes, formats=formats, encoding=encoding, option=None) as reader:
        for _, item in reader:
            if not isinstance(item, Record):
                raise InputError(item.describe(reader.where(item.line)), code=item.code)
            field = bad_bytes_field(item.values)
            if field is not None:
                raise InputError(
                    f"{reader.where(item.line)}: field {field!r} holds bytes that are not {reader.encoding_name}; "
                    "pass the file's encoding (--encoding) or re-save it as UTF-8",
                    code=codes["bytes"],
                )
            records.append(item.values)
            lines.append(item.line)
            where.append(reader.where(item.line))
        header = reader.header
    data = pd.DataFrame.from_records(records, columns=header) if header is not None else pd.DataFrame.from_records(records)
    return Frame(data=data, lines=lines, where=where, header=header)

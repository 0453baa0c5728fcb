"""The formats of users' files, told from their names by one table, and the one encoding policy.

Every command reads the same formats: JSON Lines (``.jsonl``, ``.ndjson``, ``.json``; a ``.json``
file may also hold one JSON array of objects), CSV (``.csv``), TSV (``.tsv``) and Parquet
(``.parquet``, ``.pq``), each of the text formats optionally gzip-compressed (``.gz``);
``normalize`` also reads plain text, one post a line (``.txt`` or any other name).

Encoding: every file is read as UTF-8, a byte-order mark at its start skipped, unless the caller
names another encoding (``--encoding cp1252``, ``encoding="cp1252"``); an encoding is never
guessed. Bytes that do not decode are never dropped or silently replaced: the row that holds them
is an error that names the file, the line and, where it can, the field. Every output is UTF-8.

>>> table_format("dump.csv.gz")
'csv'
>>> table_format("posts.txt", allowed=TABLE_FORMATS, code="E101")
Traceback (most recent call last):
netral_nlp.errors.InputError: [E101] posts.txt: cannot tell the format from the name (.jsonl, .ndjson, .json, .csv, .tsv, .parquet, .pq, each optionally .gz); pass --format (jsonl, csv, tsv, parquet)
"""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path
from typing import IO

from netral_nlp.errors import InputError

__all__ = [
    "DEFAULT_ENCODING",
    "FORMATS",
    "GZIP_SUFFIX",
    "SUFFIXES",
    "TABLE_FORMATS",
    "check_encoding",
    "is_gzip",
    "open_binary",
    "table_format",
]

#: File suffixes -> format; a ``.gz`` after any of them is looked through.
SUFFIXES: dict[str, str] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "txt",
}
#: Formats of tables (rows with named fields).
TABLE_FORMATS: tuple[str, ...] = ("jsonl", "csv", "tsv", "parquet")
#: Every format, plain text (one text a line) included.
FORMATS: tuple[str, ...] = (*TABLE_FORMATS, "txt")
#: The compression every text format may have.
GZIP_SUFFIX = ".gz"
#: The encoding of every file unless the caller names another.
DEFAULT_ENCODING = "utf-8"
#: Code of an encoding name that Python does not know.
E_ENCODING = "E223"
#: Bytes of read-ahead buffer for plain files (gzip files read ahead in their own small blocks).
_BUFFER = 1 << 20


def is_gzip(path: str | Path) -> bool:
    """True when the name says the file is gzip-compressed.

    >>> is_gzip("posts.JSONL.GZ"), is_gzip("posts.parquet")
    (True, False)
    """
    return str(path).lower().endswith(GZIP_SUFFIX)


def table_format(
    path: str | Path,
    fmt: str | None = None,
    *,
    allowed: tuple[str, ...] = TABLE_FORMATS,
    code: str = "E201",
    option: str | None = "--format",
    default: str | None = None,
) -> str:
    """The format of ``path``: ``fmt`` when given, else the one its suffix says (through ``.gz``),
    else ``default``. A format not in ``allowed`` (or none at all) is an
    :class:`~netral_nlp.errors.InputError` with ``code``, naming ``option`` (the command's option
    that says the format; None where there is none).

    >>> table_format("posts.jsonl.gz"), table_format("x.bin", "csv"), table_format("-", allowed=FORMATS, default="txt")
    ('jsonl', 'csv', 'txt')
    """
    choices = ", ".join(allowed)
    if fmt is not None:
        if fmt not in allowed:
            raise InputError(f"unknown format {fmt!r}{f' ({option})' if option else ''}; use one of {choices}", code=code)
        return fmt
    name = str(path).lower().removesuffix(GZIP_SUFFIX)
    for suffix, kind in SUFFIXES.items():
        if name.endswith(suffix) and kind in allowed:
            return kind
    if default is not None:
        return default
    suffixes = ", ".join(s for s, k in SUFFIXES.items() if k in allowed)
    raise InputError(
        f"{path}: cannot tell the format from the name ({suffixes}, each optionally .gz); pass {option} ({choices})", code=code
    )


def check_encoding(encoding: str) -> str:
    """The codec name of ``encoding``; an unknown one is an :class:`~netral_nlp.errors.InputError` (``E223``).

    >>> check_encoding("UTF8"), check_encoding("cp1252")
    ('utf-8', 'cp1252')
    """
    try:
        name = codecs.lookup(encoding).name
        ascii_compatible = '\n,"{}'.encode(name) == b'\n,"{}' and b"\n".decode(name) == "\n"
    except (LookupError, TypeError, ValueError):  # unknown, or a codec of bytes (base64, rot13)
        raise InputError(
            f"unknown encoding {encoding!r}; use a Python codec name such as utf-8, cp1252 or latin-1", code=E_ENCODING
        ) from None
    if not ascii_compatible:  # UTF-16/32: a file of them cannot be read line by line as bytes
        raise InputError(f"encoding {encoding!r} is not supported: files are read line by line; re-save the file as UTF-8", code=E_ENCODING)
    return name


def open_binary(path: str | Path) -> IO[bytes]:
    """Open a file for reading bytes, decompressing a ``.gz`` as it is read.

    A gzip file reads ahead in small blocks: a truncated file loses only its last few lines (a
    large read-ahead buffer would drop all it held when the stream breaks off).
    """
    if is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb", buffering=_BUFFER)

"""One row of a table: the limits every reader applies, and what a cell holds.

The limits are shared by every reader of the library (``predict``, ``normalize``, labelled sets,
scoring tables): a poisoned row becomes an error for that row, with its line, instead of a crash
that every ``--resume`` hits again.

- A line longer than :data:`MAX_LINE_BYTES` is skipped in bounded memory (a 2 GB line with no
  newline is never held whole).
- JSON nested deeper than :data:`MAX_JSON_DEPTH` is refused before parsing (Python's parser
  raises ``RecursionError`` near 1,000 levels; a post has fewer than 20).
- A text longer than :data:`MAX_TEXT_CHARS` is no post (the longest social-media posts, Facebook's,
  stop at 63,206 characters) and would only slow the normaliser down.

>>> loads_row('{"id": 1, "text": "halo"}')
{'id': 1, 'text': 'halo'}
>>> loads_row("[" * 100 + "]" * 100)
Traceback (most recent call last):
netral_nlp.tables.rows.TooDeep: JSON nested 100 levels deep, more than 64
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any, AnyStr

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_LINE_BYTES",
    "MAX_TEXT_CHARS",
    "TooDeep",
    "TooLong",
    "bounded_lines",
    "has_bad_bytes",
    "id_text",
    "is_missing",
    "json_depth",
    "loads_row",
]

#: Longest line read as one row (16 MiB: a scraped post with all its metadata is a few KB).
MAX_LINE_BYTES = 16 * 1024 * 1024
#: Deepest JSON nesting of a row (a full Twitter API object nests about 10 levels).
MAX_JSON_DEPTH = 64
#: Longest text classified (Facebook posts, the longest, stop at 63,206 characters).
MAX_TEXT_CHARS = 100_000
#: Bytes read at a time while skipping the rest of an over-long line.
_SKIP_CHUNK = 1024 * 1024
#: Start of an over-long line kept to show where it is.
_HEAD = 200

_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)
_JSON_TOKENS_B = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


class TooDeep(ValueError):
    """JSON nested deeper than the limit."""


class TooLong:
    """Stands for a line that was longer than the limit (its bytes are not kept).

    >>> TooLong(20_000_000)
    TooLong(20000000 bytes)
    """

    __slots__ = ("head", "size")

    def __init__(self, size: int, head: str | bytes = b"") -> None:
        self.size = size
        #: The start of the line, enough to find it in the file.
        self.head = head

    def __repr__(self) -> str:
        return f"TooLong({self.size} bytes)"

    def reason(self, limit: int = MAX_LINE_BYTES) -> str:
        return f"the line is {self.size} bytes or more, longer than the {limit} a row may have"


def json_depth(data: str | bytes) -> int:
    """How deep JSON text nests (brackets inside strings do not count).

    >>> json_depth('{"a": [1, {"b": "[[["}]}')
    3
    """
    tokens = _JSON_TOKENS_B if isinstance(data, bytes) else _JSON_TOKENS
    opening = b"[{" if isinstance(data, bytes) else "[{"
    depth = deepest = 0
    for m in tokens.finditer(data):  # type: ignore[arg-type]
        first = m.group(0)[:1]
        if first in opening:  # type: ignore[operator]
            depth += 1
            deepest = max(deepest, depth)
        elif len(m.group(0)) == 1:  # a closing bracket (a string token is at least 2 long)
            depth -= 1
    return deepest


def loads_row(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` of one row that raises :class:`TooDeep` for nesting beyond ``max_depth``
    (instead of ``RecursionError``) and ``json.JSONDecodeError`` for what is not JSON."""
    # Counting brackets is fast and bounds the depth from above: the exact scan runs only for
    # rows with many brackets.
    if text.count(b"[" if isinstance(text, bytes) else "[") + text.count(b"{" if isinstance(text, bytes) else "{") > max_depth:  # type: ignore[arg-type]
        depth = json_depth(text)
        if depth > max_depth:
            raise TooDeep(f"JSON nested {depth} levels deep, more than {max_depth}")
    try:
        return json.loads(text)
    except RecursionError:
        raise TooDeep(f"JSON nested too deeply to parse (more than {max_depth} levels)") from None


def bounded_lines(fh: IO[AnyStr], limit: int = MAX_LINE_BYTES) -> Iterator[AnyStr | TooLong]:
    """The lines of ``fh`` (bytes or text), each at most ``limit`` long; a longer line is read
    past in chunks and yielded as a :class:`TooLong`, so memory stays bounded.

    >>> import io
    >>> list(bounded_lines(io.BytesIO(b"ok\\n" + b"x" * 50 + b"\\nok\\n"), limit=10))
    [b'ok\\n', TooLong(51 bytes), b'ok\\n']
    """
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line[-1:] in (b"\n", "\n"):
            yield line
            continue
        size, head = len(line), line[:_HEAD]
        del line
        while True:
            rest = fh.readline(_SKIP_CHUNK)
            size += len(rest)
            if not rest or rest[-1:] in (b"\n", "\n"):
                break
        yield TooLong(size, head)


def is_missing(value: Any) -> bool:
    """True for what tables write for "no value": None, a float NaN (pandas' and JSON's missing
    value), ``pandas.NA`` and ``NaT``, without importing pandas.

    >>> is_missing(None), is_missing(float("nan")), is_missing(""), is_missing(0)
    (True, True, False, False)
    """
    return value is None or (isinstance(value, float) and value != value) or type(value).__name__ in ("NAType", "NaTType")


def has_bad_bytes(text: str) -> bool:
    """True when ``text`` holds lone surrogates: bytes that did not decode (read with
    ``surrogateescape``) or a JSON ``\\udXXX`` escape; such text cannot be written back as UTF-8.

    >>> has_bad_bytes("halo"), has_bad_bytes(b"caf\\xe9".decode("utf-8", "surrogateescape"))
    (False, True)
    """
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def id_text(value: Any) -> str | None:
    """An id as a string (ids are written as strings in every output format), or None when the
    value is no scalar id (a list, an object, a boolean).

    >>> id_text(7), id_text(7.0), id_text("a-1"), id_text([1]) is None
    ('7', '7', 'a-1', True)
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "item") and hasattr(value, "dtype"):  # a numpy scalar from pandas or Arrow
        return id_text(value.item())
    return None

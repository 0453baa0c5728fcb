"""Normalise a whole file: plain text (one post a line), JSONL or CSV, optionally gzip-compressed.

A row that cannot be normalised stops the run with a coded error naming the file and the line
(``posts.jsonl:12: ...``), and no output is left behind under any name: invalid JSON (``E104``),
a row too large or nested too deeply to parse safely (``E106``), a record the csv module cannot
read (``E108``), a file that cannot be read past some line, such as a damaged or truncated
``.gz`` (``E107``). The input can never be the output (``E215``).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from netral_nlp.errors import InputError
from netral_nlp.files import check_gzip, check_output_folder, refuse_overlap, writing
from netral_nlp.rows import MAX_LINE_BYTES, MAX_TEXT_CHARS, TooDeep, TooLong, bounded_lines, loads_row
from netral_nlp.text.normalize import Normalizer

__all__ = ["normalize_file"]

#: Codes of the row and file problems (see the module docstring).
E_TOO_LARGE = "E106"
E_UNREADABLE = "E107"
E_CSV = "E108"
_READ_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, OSError)


def _guess_format(path: str, fmt: str | None) -> str:
    if fmt:
        if fmt not in ("txt", "jsonl", "csv"):
            raise InputError(f"unknown format {fmt!r}; use txt, jsonl or csv", code="E101")
        return fmt
    name = path.removesuffix(".gz")
    for ext, f in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "jsonl"), (".csv", "csv")):
        if name.endswith(ext):
            return f
    return "txt"


def _decoded_lines(raw: IO[bytes], name: str) -> Iterator[str]:
    """Lines of a byte stream, each decoded as UTF-8, or as cp1252/latin-1 when it is not UTF-8
    (the legacy Indonesian corpora mix both), so no undecodable byte reaches the output. A line
    longer than a row may be, or a stream that breaks off, is a coded error naming the line."""
    lineno = 0
    try:
        for lineno, line in enumerate(bounded_lines(raw, MAX_LINE_BYTES), start=1):
            if isinstance(line, TooLong):
                raise InputError(f"{name}:{lineno}: {line.reason(MAX_LINE_BYTES)}", code=E_TOO_LARGE)
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    yield line.decode("cp1252")
                except UnicodeDecodeError:
                    yield line.decode("latin-1")
    except _READ_ERRORS as exc:
        raise InputError(
            f"{name}: cannot be read past line {lineno} ({type(exc).__name__}: {exc}); a damaged or truncated file?", code=E_UNREADABLE
        ) from None


@contextlib.contextmanager
def _open_in(path: str) -> Iterator[Iterator[str]]:
    if path == "-":
        yield _decoded_lines(sys.stdin.buffer, "<stdin>")
        return
    if not Path(path).is_file():
        raise InputError(f"{path}: no such file", code="E102")
    raw: IO[bytes] = gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")  # type: ignore[assignment]  # noqa: SIM115
    with raw:
        yield _decoded_lines(raw, path)


def _temporary(path: str) -> Path:
    return Path(path + ".part")


@contextlib.contextmanager
def _open_out(path: str) -> Iterator[IO[str]]:
    if path == "-":
        yield sys.stdout
        return
    tmp = _temporary(path)
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with writing(path), opener(tmp, "wt", encoding="utf-8", newline="") as fh:  # type: ignore[operator]
            yield fh
        with writing(path):
            tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # no half-written file is left behind, under any name
        raise


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{where}: text must be a string, got {type(value).__name__}", code="E103")
    if len(value) > MAX_TEXT_CHARS:
        raise InputError(f"{where}: {len(value)} characters long, more than the {MAX_TEXT_CHARS} a post can have", code=E_TOO_LARGE)
    return value


def normalize_file(
    input: str,
    output: str = "-",
    *,
    preset: str = "transformer",
    election: str | None = None,
    text_key: str = "text",
    stem: bool | None = None,
    fmt: str | None = None,
) -> int:
    """Normalise every text of ``input`` into ``output``; returns the number of texts.

    Errors name the file, the line and the field (``posts.jsonl:12: field 'text' missing``).
    """
    if input != "-" and output != "-":
        refuse_overlap([input], {"output": output, "output's temporary file": _temporary(output)})
    if output != "-":
        check_output_folder(output)
    if input != "-" and input.endswith(".gz") and Path(input).is_file() and not check_gzip(input, code=E_UNREADABLE):
        # Checked whole first: damaged deflate data decodes to made-up text before any error.
        raise InputError(f"{input}: the compressed file is cut short (truncated); nothing was written", code=E_UNREADABLE)
    normalizer = Normalizer(preset, election=election, stem=stem)
    kind = _guess_format(input, fmt)
    n = 0
    with _open_in(input) as fin, _open_out(output) as fout:
        if kind == "txt":
            for lineno, line in enumerate(fin, start=1):
                fout.write(normalizer(_text(line.rstrip("\r\n"), f"{input}:{lineno}")) + "\n")
                n += 1
        elif kind == "jsonl":
            for lineno, line in enumerate(fin, start=1):
                if not line.strip():
                    continue
                try:
                    row = loads_row(line)
                except TooDeep as exc:
                    raise InputError(f"{input}:{lineno}: {exc}", code=E_TOO_LARGE) from None
                except json.JSONDecodeError as exc:
                    raise InputError(f"{input}:{lineno}: invalid JSON ({exc.msg})", code="E104") from None
                if not isinstance(row, dict) or text_key not in row:
                    raise InputError(f"{input}:{lineno}: field {text_key!r} missing", code="E105")
                row["text_normalized"] = normalizer(_text(row[text_key], f"{input}:{lineno}: field {text_key!r}"))
                fout.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
        else:
            csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES))
            reader = csv.DictReader(fin)
            try:
                if reader.fieldnames is None or text_key not in reader.fieldnames:
                    raise InputError(f"{input}:1: column {text_key!r} missing (columns: {reader.fieldnames})", code="E105")
                writer = csv.DictWriter(fout, fieldnames=[*reader.fieldnames, "text_normalized"])
                writer.writeheader()
                for row in reader:
                    if None in row:  # more fields than the header: DictReader keeps them under None
                        raise InputError(f"{input}:{reader.line_num}: the record has more fields than the header", code=E_CSV)
                    row["text_normalized"] = normalizer(_text(row[text_key] or "", f"{input}:{reader.line_num}: column {text_key!r}"))
                    writer.writerow(row)
                    n += 1
            except csv.Error as exc:
                raise InputError(f"{input}:{reader.line_num}: a record the csv module cannot read ({exc})", code=E_CSV) from None
    return n

"""Normalise a whole file: plain text (one post a line), JSONL or CSV, optionally gzip-compressed."""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from netral_nlp.errors import InputError
from netral_nlp.text.normalize import Normalizer

__all__ = ["normalize_file"]


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


def _decoded_lines(raw: IO[bytes]) -> Iterator[str]:
    """Lines of a byte stream, each decoded as UTF-8, or as cp1252/latin-1 when it is not UTF-8
    (the legacy Indonesian corpora mix both), so no undecodable byte reaches the output."""
    for line in raw:
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            try:
                yield line.decode("cp1252")
            except UnicodeDecodeError:
                yield line.decode("latin-1")


@contextlib.contextmanager
def _open_in(path: str) -> Iterator[Iterator[str]]:
    if path == "-":
        yield _decoded_lines(sys.stdin.buffer)
        return
    if not Path(path).exists():
        raise InputError(f"{path}: no such file", code="E102")
    raw: IO[bytes] = gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")  # type: ignore[assignment]  # noqa: SIM115
    with raw:
        yield _decoded_lines(raw)


@contextlib.contextmanager
def _open_out(path: str) -> Iterator[IO[str]]:
    if path == "-":
        yield sys.stdout
        return
    tmp = Path(path + ".part")
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(tmp, "wt", encoding="utf-8", newline="") as fh:  # type: ignore[operator]
            yield fh
    except BaseException:
        tmp.unlink(missing_ok=True)  # no half-written file is left behind, under any name
        raise
    tmp.replace(path)


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{where}: text must be a string, got {type(value).__name__}", code="E103")
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
    normalizer = Normalizer(preset, election=election, stem=stem)
    kind = _guess_format(input, fmt)
    n = 0
    with _open_in(input) as fin, _open_out(output) as fout:
        if kind == "txt":
            for line in fin:
                fout.write(normalizer(line.rstrip("\r\n")) + "\n")
                n += 1
        elif kind == "jsonl":
            for lineno, line in enumerate(fin, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{input}:{lineno}: invalid JSON ({exc.msg})", code="E104") from None
                if not isinstance(row, dict) or text_key not in row:
                    raise InputError(f"{input}:{lineno}: field {text_key!r} missing", code="E105")
                row["text_normalized"] = normalizer(_text(row[text_key], f"{input}:{lineno}: field {text_key!r}"))
                fout.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
        else:
            reader = csv.DictReader(fin)
            if reader.fieldnames is None or text_key not in reader.fieldnames:
                raise InputError(f"{input}:1: column {text_key!r} missing (columns: {reader.fieldnames})", code="E105")
            writer = csv.DictWriter(fout, fieldnames=[*reader.fieldnames, "text_normalized"])
            writer.writeheader()
            for row in reader:
                row["text_normalized"] = normalizer(_text(row[text_key] or "", f"{input}:{reader.line_num}: column {text_key!r}"))
                writer.writerow(row)
                n += 1
    return n

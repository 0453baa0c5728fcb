"""Normalise a whole file: plain text (one post a line), JSONL, CSV, TSV or Parquet, optionally
gzip-compressed, read and written by the table layer (:mod:`netral_nlp.tables`).

Plain text gives text back, one normalised post a line; a table gives its rows back with a
``text_normalized`` column added (or only the normalised texts, into a ``.txt`` output). A row
that cannot be normalised stops the run with a coded error naming the file, the line and the field
(``posts.jsonl:12: field 'text' ...``), and no output is left behind under any name: invalid JSON
(``E104``), a row too large or nested too deeply to parse safely (``E106``), a record the csv
module cannot read (``E108``), bytes that are not in the file's encoding (``E109``), a file that
cannot be read past some line, such as a damaged or truncated ``.gz`` (``E107``). The input can
never be the output (``E215``).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from netral_nlp.errors import InputError
from netral_nlp.tables.files import check_gzip, check_output_folder, partial_path, refuse_overlap, writing
from netral_nlp.tables.formats import DEFAULT_ENCODING, FORMATS, SUFFIXES, is_gzip
from netral_nlp.tables.frame import bad_bytes_field
from netral_nlp.tables.readers import Record, open_table
from netral_nlp.tables.rows import MAX_TEXT_CHARS
from netral_nlp.tables.writers import OUTPUT_FORMATS, output_format
from netral_nlp.tables.writers import open_writer as open_table_writer
from netral_nlp.text.normalize import Normalizer

__all__ = ["NORMALIZE_CODES", "normalize_file"]

#: Codes of the problems of ``normalize``'s input (see netral_nlp.errors.CODES).
NORMALIZE_CODES: dict[str, str] = {
    "not_found": "E102",
    "format": "E101",
    "columns": "E105",
    "unreadable": "E107",
    "json": "E104",
    "not_object": "E105",  # a line that is no object has no text field
    "bytes": "E109",
    "too_large": "E106",
    "too_deep": "E106",
    "csv_record": "E108",
    "cut": "E107",
}
E_NOT_TEXT = "E103"
E_TOO_LARGE = NORMALIZE_CODES["too_large"]
#: The column added to a table's rows.
NORMALIZED_COLUMN = "text_normalized"
#: Rows written at a time.
_CHUNK = 4096


def _text(value: object, where: str, text_key: str) -> str:
    if not isinstance(value, str):
        kind = "missing" if value is None else type(value).__name__
        raise InputError(f"{where}: field {text_key!r}: text must be a string, got {kind}", code=E_NOT_TEXT)
    if len(value) > MAX_TEXT_CHARS:
        raise InputError(
            f"{where}: field {text_key!r}: {len(value)} characters long, more than the {MAX_TEXT_CHARS} a post can have", code=E_TOO_LARGE
        )
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
    encoding: str = DEFAULT_ENCODING,
    stdin: IO[bytes] | None = None,
) -> int:
    """Normalise every text of ``input`` (``"-"``: standard input) into ``output`` (``"-"``:
    standard output); returns the number of texts.

    The input's format comes from ``fmt`` or its name; a name with no known suffix is plain text.
    The output's format comes from its name, else it is the input's (Parquet and standard output:
    JSONL). Errors name the file, the line and the field (``posts.jsonl:12: field 'text' missing``).

    >>> normalize_file("posts.jsonl", "clean.jsonl", election="pemilu-2024")     # doctest: +SKIP
    1000
    """
    if input != "-" and output != "-":
        refuse_overlap([input], {"output": output, "output's partial file": partial_path(output)})
    if output != "-":
        check_output_folder(output)
    if input != "-" and is_gzip(input) and Path(input).is_file() and not check_gzip(input, code=NORMALIZE_CODES["unreadable"]):
        # Checked whole first: damaged deflate data decodes to made-up text before any error.
        raise InputError(f"{input}: the compressed file is cut short (truncated); nothing was written", code=NORMALIZE_CODES["unreadable"])
    reader = open_table(
        input, codes=NORMALIZE_CODES, fmt=fmt, formats=FORMATS, default_format="txt", encoding=encoding, text_key=text_key, stdin=stdin
    )
    with reader:
        header = reader.header
        if header is not None and text_key not in header:
            raise InputError(f"{reader.where(1)}: column {text_key!r} missing (columns: {header})", code=NORMALIZE_CODES["columns"])
        out_fmt, gz = _output_format(output, reader.format)
        if out_fmt == "txt":
            columns = [NORMALIZED_COLUMN]
        elif reader.format == "txt":
            columns = [text_key, NORMALIZED_COLUMN]
        else:
            columns = [*(c for c in header or [] if c != NORMALIZED_COLUMN), NORMALIZED_COLUMN]
        normalizer = Normalizer(preset, election=election, stem=stem)
        with writing(output):
            writer = open_table_writer(output, fmt=out_fmt, gz=gz, columns=columns)
        n = 0
        try:
            chunk: list[dict[str, Any]] = []
            for _, item in reader:
                if not isinstance(item, Record):
                    raise InputError(item.describe(reader.where(item.line)), code=item.code)
                where = reader.where(item.line)
                field = bad_bytes_field(item.values)
                if field is not None:
                    raise InputError(
                        f"{where}: field {field!r} holds bytes that are not {reader.encoding_name}; pass the file's encoding (--encoding)",
                        code=NORMALIZE_CODES["bytes"],
                    )
                values = item.values
                if text_key not in values:
                    raise InputError(f"{where}: field {text_key!r} missing", code=NORMALIZE_CODES["columns"])
                values[NORMALIZED_COLUMN] = normalizer(_text(values[text_key], where, text_key))
                chunk.append(values)
                n += 1
                if len(chunk) >= _CHUNK:
                    _flush(writer, chunk, output)
                    chunk = []
            _flush(writer, chunk, output)
            with writing(output):
                writer.finalize()
        except BaseException:
            writer.discard()  # no half-written file is left behind, under any name
            raise
    return n


def _output_format(output: str, input_format: str) -> tuple[str, bool]:
    """The output's format: from its name, else the input's (Parquet to standard output: JSONL).
    Rows of JSON Lines, which need not share their fields, go to JSON Lines or plain text only."""
    gz = output != "-" and is_gzip(output)
    fmt = output_format(output, allowed=OUTPUT_FORMATS, code=NORMALIZE_CODES["format"])[0] if _has_suffix(output) else input_format
    if fmt == "parquet" and output == "-":
        fmt = "jsonl"
    if input_format == "jsonl" and fmt not in ("jsonl", "txt"):
        raise InputError(
            f"{output}: rows of JSON Lines are written as JSON Lines (.jsonl) or plain text (.txt), not {fmt}",
            code=NORMALIZE_CODES["format"],
        )
    if fmt == "parquet":
        gz = False
    return fmt, gz


def _has_suffix(output: str) -> bool:
    name = output.lower().removesuffix(".gz")
    return output != "-" and any(name.endswith(suffix) for suffix in SUFFIXES)


def _flush(writer: Any, chunk: list[dict[str, Any]], output: str) -> None:
    with writing(output):
        writer.add(chunk)
        writer.commit()

"""``netral-nlp normalize``: clean texts the way the classifiers see them."""

from __future__ import annotations

from pathlib import Path

import typer

from netral_nlp.cli._util import EncodingOption, register_command


def register(app: typer.Typer) -> None:
    register_command(app, "normalize", NORMALIZE_HELP, normalize_command)


NORMALIZE_HELP = """Normalise Indonesian social-media text (encodings, slang, emoji, hashtags, masking).

INPUT is a text file with one post a line, a JSONL, CSV, TSV or Parquet file (the text in
--text-key), optionally .gz, or `-` for standard input. Text files give text lines back; tables
give the same rows with a `text_normalized` column added (a .txt OUTPUT: the normalised texts
only). Files are read as UTF-8 unless --encoding names another (see docs/files.md).

Example: echo "Ayo coblos 02!!! #2019GantiPresiden" | netral-nlp normalize -
"""


def normalize_command(
    input: str = typer.Argument(
        ..., metavar="INPUT", help="Input file (.txt, .jsonl, .csv, .tsv, .parquet, optionally .gz) or - for stdin."
    ),
    output: str = typer.Option(
        "-", "--output", "-o", metavar="FILE", help="Output file (its suffix says the format; else the input's), or - for stdout."
    ),
    preset: str = typer.Option(
        "transformer", "--preset", metavar="PRESET", help="transformer (light, for encoders) or linear (slang, stopwords)."
    ),
    election: str | None = typer.Option(
        None, "--election", metavar="NAME|FILE", help="Mask contestants of this election: pilpres-2019, pemilu-2024 or a config file."
    ),
    text_key: str = typer.Option("text", "--text-key", metavar="FIELD", help="Field or column that holds the text in a table."),
    stem: bool | None = typer.Option(None, "--stem/--no-stem", help="Sastrawi stemming (protects names). Default: the preset's."),
    fmt: str | None = typer.Option(
        None, "--format", metavar="FORMAT", help="Input format when it cannot be told from the name: txt, jsonl, csv, tsv or parquet."
    ),
    encoding: EncodingOption = "utf-8",
    force: bool = typer.Option(False, "--force", help="Overwrite OUTPUT if it exists."),
) -> None:
    from netral_nlp.errors import OutputError
    from netral_nlp.text.io import normalize_file

    if output != "-" and Path(output).exists() and not force:
        raise OutputError(f"{output} exists; pass --force to overwrite it", code="E224")
    n = normalize_file(input, output, preset=preset, election=election, text_key=text_key, stem=stem, fmt=fmt, encoding=encoding)
    if output != "-":
        typer.echo(f"normalised {n} texts -> {output}", err=True)

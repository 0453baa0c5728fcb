"""``netral-nlp predict``: classify files of scraped posts (a thin wrapper over
:func:`netral_nlp.batch.predict_file`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netral_nlp.cli._util import EncodingOption, ModelOption, register_command


def register(app: typer.Typer) -> None:
    """Add the ``predict`` command to the ``netral-nlp`` app."""
    register_command(app, "predict", PREDICT_HELP, predict_command)


PREDICT_HELP = (
    "Classify posts in JSONL, CSV, TSV or Parquet files (plain or .gz), streaming: campaign, political_neutral or "
    "non_political, with the three probabilities and the contestants mentioned.\n\n"
    "Each output row has the input row's id, the label, p_<label> for each class, the contestants (ballot numbers "
    "such as 02) and the --keep columns. Rows that cannot be used (invalid JSON, missing or empty text, wrong type, "
    "bytes that do not decode) go to the errors file with their line and a coded reason, and the run goes on; a run "
    "without such a row writes no errors file. An existing output is not overwritten without --force. A stopped run "
    "(Ctrl-C, a kill) is finished by the same command with --resume, every row exactly once. See docs/batch.md and "
    "docs/files.md.\n\n"
    "Example: netral-nlp predict posts.jsonl.gz -o predictions.parquet --workers 2 --keep source,created_at"
)


def predict_command(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            metavar="INPUT...", help="Input files: .jsonl/.ndjson/.json, .csv, .tsv or .parquet, optionally .gz.", show_default=False
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="Output file (.jsonl, .csv, .tsv, optionally .gz, or .parquet).")
    ],
    model: ModelOption = None,
    text_key: Annotated[str, typer.Option("--text-key", metavar="FIELD", help="Field or column that holds the post's text.")] = "text",
    id_key: Annotated[
        str, typer.Option("--id-key", metavar="FIELD", help="Field or column of the row id; '' numbers the rows (file:line).")
    ] = "id",
    keep: Annotated[
        str, typer.Option("--keep", metavar="COLUMNS", help="Input columns to copy to the output, comma-separated (col1,col2).")
    ] = "",
    election: Annotated[
        str | None,
        typer.Option(
            "--election",
            metavar="NAME|FILE",
            help="Election whose contestants are reported (pemilu-2024, pilpres-2019, a config file), and masked if the model "
            "was trained with masking; default: the model's.",
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", metavar="N", help="Rows per chunk handed to the model.", min=1)] = 1024,
    workers: Annotated[
        int, typer.Option("--workers", metavar="N", help="Processes that normalise and classify; 0 = one per core.", min=0)
    ] = 1,
    fmt: Annotated[
        str | None,
        typer.Option("--format", metavar="FORMAT", help="Output format when the name does not tell: jsonl, csv, tsv or parquet."),
    ] = None,
    input_format: Annotated[
        str | None,
        typer.Option("--input-format", metavar="FORMAT", help="Input format when the names do not tell: jsonl, csv, tsv or parquet."),
    ] = None,
    encoding: EncodingOption = "utf-8",
    errors: Annotated[
        Path | None,
        typer.Option(
            "--errors", metavar="FILE", help="Errors file (JSONL), written when a row fails; default: <output stem>.errors.jsonl."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the output (and drop an interrupted run's checkpoint).")] = False,
    resume: Annotated[bool, typer.Option("--resume", help="Finish a run that was stopped, from its checkpoint.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")] = False,
    cache_size: Annotated[
        int,
        typer.Option(
            "--cache-size", metavar="N", help="Distinct texts remembered per process (repeats are classified once); 0 = off.", min=0
        ),
    ] = 65536,
    checkpoint_rows: Annotated[
        int, typer.Option("--checkpoint-rows", metavar="N", help="Commit results every this many rows (and every 10 s).", min=1)
    ] = 16384,
) -> None:
    """Thin wrapper over :func:`netral_nlp.batch.predict_file`.

    Example: ``netral-nlp predict posts.jsonl -o predictions.jsonl --election pemilu-2024``
    """
    from netral_nlp.batch import predict_file

    if force and resume:
        raise typer.BadParameter("--force starts over and --resume goes on: pass one of them", param_hint="--resume")
    try:
        summary = predict_file(
            inputs,
            output,
            model=model,
            text_key=text_key,
            id_key=id_key or None,
            keep=[k.strip() for k in keep.split(",") if k.strip()],
            election=election,
            batch_size=batch_size,
            workers=workers,
            format=fmt,
            input_format=input_format,
            encoding=encoding,
            errors_file=errors,
            force=force,
            resume=resume,
            cache_size=cache_size,
            checkpoint_rows=checkpoint_rows,
            show_progress=False if quiet else None,
        )
    except KeyboardInterrupt:
        typer.echo(f"interrupted: the results committed so far are kept; run the same command with --resume to finish {output}", err=True)
        raise typer.Exit(130) from None
    if not quiet:
        typer.echo(str(summary), err=True)

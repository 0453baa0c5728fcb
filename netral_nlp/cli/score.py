"""``netral-nlp score``: assess accounts' activity against the ASN neutrality rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netral_nlp.cli._util import EncodingOption, ModelOption, register_command


def register(app: typer.Typer) -> None:
    """Add the ``score`` command to the ``netral-nlp`` app."""
    register_command(app, "score", SCORE_HELP, score_command)


SCORE_HELP = (
    "Rank accounts whose activity likely breaks the ASN neutrality rules, with the evidence.\n\n"
    "--activity has one row per action (account_id, action, timestamp, text, target_account, target_text, ...) and "
    "--accounts one row per account (account_id, asn_status: pns, pppk, non_asn or unknown, ...), as CSV, TSV, JSONL or Parquet (see docs/files.md). "
    "The output directory receives the accounts, evidence and issues tables, summary.json, report.md (one section per "
    "flagged account with its evidence) and report.html. Bad rows are reported in the issues and the report, never "
    "dropped; --strict stops at the first one. See docs/scoring.md for the schemas, the rules file and the score.\n\n"
    "Example: netral-nlp score --activity activity.csv --accounts accounts.csv --election pilpres-2019 -o out/"
)


def score_command(
    activity: Annotated[
        Path, typer.Option("--activity", metavar="FILE", help="Activity file (.csv, .tsv, .jsonl, .parquet): one row per action.")
    ],
    accounts: Annotated[
        Path, typer.Option("--accounts", metavar="FILE", help="Accounts file (.csv, .tsv, .jsonl, .parquet): account_id, asn_status, ...")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FOLDER", help="Output folder (created if missing).")],
    election: Annotated[
        str,
        typer.Option("--election", metavar="NAME|FILE", help="Shipped election (pemilu-2024, pilpres-2019) or the path of a config file."),
    ] = "pemilu-2024",
    rules: Annotated[
        Path | None, typer.Option("--rules", metavar="FILE", help="Rules file (YAML); default: the shipped neutrality rules.")
    ] = None,
    model: ModelOption = None,
    fmt: Annotated[str, typer.Option("--format", metavar="FORMAT", help="Format of the tables: jsonl or parquet.")] = "jsonl",
    encoding: EncodingOption = "utf-8",
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first bad row instead of reporting it and going on.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing outputs in the output folder.")] = False,
) -> None:
    """Thin wrapper over :func:`netral_nlp.scoring.score` and :meth:`Assessments.save`.

    Example: ``netral-nlp score --activity activity.csv --accounts accounts.csv -o out/``
    """
    from netral_nlp.elections import load_election
    from netral_nlp.errors import OutputError
    from netral_nlp.scoring import score
    from netral_nlp.scoring.api import output_files
    from netral_nlp.tables.files import refuse_overlap, writing

    if fmt not in ("jsonl", "parquet"):
        raise typer.BadParameter(f"{fmt!r}: use jsonl or parquet", param_hint="--format")
    if output.exists() and not output.is_dir():
        raise OutputError(f"{output}: exists and is not a folder", code="E221")
    inputs: list[str | Path] = [activity, accounts, *([rules] if rules is not None else [])]
    if Path(election).is_file():
        inputs.append(election)
    refuse_overlap(inputs, output_files(output, "parquet" if fmt == "parquet" else "jsonl"))
    config = load_election(election)
    result = score(activity, accounts, model=model, election=config, rules=rules, errors="raise" if strict else "ignore", encoding=encoding)
    with writing(output):
        result.save(output, format="parquet" if fmt == "parquet" else "jsonl", force=force)
    c = result.counts
    typer.echo(
        f"scored {c['scored_rows']} of {c['activity_rows']} actions of {c['accounts']} accounts: "
        f"{c['likely_violation']} likely_violation, {c['needs_review']} needs_review; "
        f"{len(result.issues)} issue(s) -> {output / 'report.md'}",
        err=True,
    )

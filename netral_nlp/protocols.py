"""Transfer protocols: train a recipe on some sources or elections, test it on others.

A model that scores well on a random split of its own corpus can still fail on the next election
or a new platform. These named protocols measure that, with one command:

``split``
    the corpus splits as they are: train on ``train``, calibrate and stop early on ``dev``, test on
    ``test``.
``loso-2024``
    leave one 2024 source out, for each of the 14 sources of ``posts2024`` in turn: train on the
    ``train`` split of every other source (2014-2019 included), use their ``dev`` split, test on
    every post of the source left out.
``older-newer``
    train on the 2014-2019 posts and the Pilpres 2024 sources, test on every post of the Pilkada
    2024 sources (the post-election and non-political 2024 sources are in neither side).

Per fold the report gives the usual figures (:func:`netral_nlp.evaluation.evaluate_predictions`)
plus ``macro_f1_present``, the macro-F1 over the classes present in that fold's gold labels (a
source with one class has no F1 for the others). The summary gives the mean over folds and the
pooled figures over every fold's predictions together.

>>> from netral_nlp.protocols import run_protocol
>>> from netral_nlp.training import TrainingArguments
>>> report = run_protocol("loso-2024", TrainingArguments(model="linear"))      # doctest: +SKIP
>>> round(report["summary"]["pooled"]["macro_f1"], 3)                          # doctest: +SKIP
0.71
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netral_nlp.errors import InputError
from netral_nlp.labels import LABELS

__all__ = ["PROTOCOLS", "Fold", "folds", "run_protocol"]

logger = logging.getLogger("netral_nlp")

#: The 2024 sources (``posts2024``) and the contest each is about.
SOURCES_2024: dict[str, str] = {
    "ghazafm_pilpres2024_twitter": "pilpres",
    "achmaddhani_prabowogibran_twitter": "pilpres",
    "rizano26_pemilu2024_twitter": "pilpres",
    "luthfilkhairi_politik_twitter": "pilpres",
    "ndtsaniyah_debatcapres_youtube": "pilpres",
    "larassetyadita_pilgubjakarta_twitter": "pilkada",
    "rahmaputri_pilkadajatim_twitter": "pilkada",
    "salatid_pilkadabanten_youtube": "pilkada",
    "andihisyam_pilkada2024_twitter": "pilkada",
    "davidkristian_mbg_twitter": "after",
    "tippoart_gerindra_tiktok": "after",
    "atrkhomeini_coffeeshop_twitter": "non_political",
    "andihisyam_jkt48_twitter": "non_political",
    "fahrihilm_timnas_youtube": "non_political",
}

#: Protocol name -> one-line description (the module docstring has the details).
PROTOCOLS: dict[str, str] = {
    "split": "the corpus splits: train / dev / test",
    "loso-2024": "leave one 2024 source out (14 folds): train on the others, test on the source left out",
    "older-newer": "train on 2014-2019 + Pilpres 2024, test on Pilkada 2024",
}


@dataclasses.dataclass
class Fold:
    """One train/dev/test arrangement of a protocol."""

    name: str
    train: pd.DataFrame
    dev: pd.DataFrame
    test: pd.DataFrame


def folds(protocol: str, corpus: pd.DataFrame) -> Iterator[Fold]:
    """The folds of ``protocol`` over a corpus frame (``load_corpus(as_pandas=True)``)."""
    if protocol not in PROTOCOLS:
        raise InputError(f"unknown protocol {protocol!r}; known: {', '.join(PROTOCOLS)}", code="E130")
    split = corpus["split"]
    if protocol == "split":
        yield Fold("split", corpus[split == "train"], corpus[split == "dev"], corpus[split == "test"])
        return
    present = [s for s in SOURCES_2024 if (corpus["source"] == s).any()]
    if not present:
        raise InputError(
            f"protocol {protocol!r} needs the 2024 posts of the corpus, and none is loaded (is posts2024 available?)", code="E131"
        )
    if protocol == "loso-2024":
        for source in present:
            rest = corpus[corpus["source"] != source]
            yield Fold(source, rest[rest["split"] == "train"], rest[rest["split"] == "dev"], corpus[corpus["source"] == source])
        return
    group = corpus["source"].map(SOURCES_2024)
    older = corpus[group.isna() | (group == "pilpres")]
    newer = corpus[group == "pilkada"]
    yield Fold("older-newer", older[older["split"] == "train"], older[older["split"] == "dev"], newer)


def _present_macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    present = sorted(set(y_true.tolist()))
    return float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0))


def run_protocol(
    protocol: str,
    args: Any = None,
    *,
    corpus: pd.DataFrame | None = None,
    only: list[str] | None = None,
    out: str | Path | None = None,
    show_progress: bool | None = None,
) -> dict[str, Any]:
    """Train ``args`` (a :class:`~netral_nlp.training.TrainingArguments`; default: the linear
    recipe) on every fold of ``protocol`` and test it; ``only`` restricts to named folds. With
    ``out``, every fold's report is written to ``out/<fold>.json`` as it finishes (a rerun skips
    the folds already there, so an interrupted protocol resumes) and the whole to ``out/summary.json``.
    """
    from netral_nlp.evaluation import evaluate_predictions
    from netral_nlp.models.base import decide
    from netral_nlp.training import TrainingArguments, build_normalizer, train_on

    args = args or TrainingArguments()
    if corpus is None:
        from netral_nlp.data import load_corpus

        corpus = load_corpus(as_pandas=True)  # type: ignore[assignment]
    assert corpus is not None
    out_dir = Path(out) if out is not None else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    reports: dict[str, Any] = {}
    pooled_y: list[int] = []
    pooled_p: list[np.ndarray] = []
    pooled_thr: list[int] = []
    for fold in folds(protocol, corpus):
        if only and fold.name not in only:
            continue
        done = out_dir / f"{fold.name}.json" if out_dir is not None else None
        if done is not None and done.is_file():
            rep = json.loads(done.read_text())
            logger.info("%s: %s already measured, read from %s", protocol, fold.name, done)
        else:
            start = time.time()
            if args.min_confidence == "high":
                fold.train = fold.train[fold.train["confidence"] == "high"]
            model = train_on(
                (fold.train["text"].tolist(), fold.train["label"].tolist()),
                (fold.dev["text"].tolist(), fold.dev["label"].tolist()),
                args,
                normalizer=build_normalizer(args),
                show_progress=show_progress,
            )
            texts, gold = fold.test["text"].tolist(), fold.test["label"].tolist()
            proba = model.predict_proba(texts, show_progress=show_progress)
            rep = evaluate_predictions(model, texts, gold, proba=proba)
            y = np.array([model.labels.index(g) for g in gold])
            rep["macro_f1_present"] = _present_macro_f1(y, proba.argmax(axis=1))
            rep["precision_threshold"] = model.precision_threshold
            rep["macro_f1_present_at_threshold"] = _present_macro_f1(y, decide(proba, model.labels, model.precision_threshold))
            rep["sizes"] = {"train": len(fold.train), "dev": len(fold.dev), "test": len(fold.test)}
            rep["seconds"] = round(time.time() - start, 1)
            rep["proba"] = np.round(proba, 5).tolist()
            rep["gold"] = gold
            if done is not None:
                done.write_text(json.dumps(rep, ensure_ascii=False) + "\n")
            logger.info("%s: %s macro-F1 %.3f (present classes %.3f)", protocol, fold.name, rep["macro_f1"], rep["macro_f1_present"])
        reports[fold.name] = rep
        labels = rep["labels"]
        y = np.array([labels.index(g) for g in rep["gold"]])
        p = np.array(rep["proba"])
        pooled_y.extend(y.tolist())
        pooled_p.append(p)
        pooled_thr.extend(decide(p, labels, rep.get("precision_threshold")).tolist())
    if not reports:
        raise InputError(f"no fold of {protocol!r} matched {only}", code="E131")
    summary = _summary(reports, np.array(pooled_y), np.vstack(pooled_p), np.array(pooled_thr))
    result = {"protocol": protocol, "description": PROTOCOLS[protocol], "arguments": args.to_dict(), "summary": summary, "folds": {}}
    for name, rep in reports.items():
        result["folds"][name] = {k: v for k, v in rep.items() if k not in ("proba", "gold", "reliability", "campaign_pr_curve")}
    if out_dir is not None:
        (out_dir / "summary.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        (out_dir / "summary.md").write_text(protocol_markdown(result), encoding="utf-8")
    return result


def _summary(reports: dict[str, Any], y: np.ndarray, proba: np.ndarray, at_threshold: np.ndarray) -> dict[str, Any]:
    from sklearn.metrics import f1_score, precision_score, recall_score

    from netral_nlp.evaluation import expected_calibration_error

    c = LABELS.index("campaign")
    argmax = proba.argmax(axis=1)

    def pooled(pred: np.ndarray) -> dict[str, float]:
        return {
            "macro_f1": float(f1_score(y, pred, labels=range(len(LABELS)), average="macro", zero_division=0)),
            "campaign_precision": float(precision_score(y == c, pred == c, zero_division=0)),
            "campaign_recall": float(recall_score(y == c, pred == c, zero_division=0)),
            "accuracy": float((pred == y).mean()),
        }

    return {
        "folds": len(reports),
        "mean_macro_f1_present": float(np.mean([r["macro_f1_present"] for r in reports.values()])),
        "mean_macro_f1_present_at_threshold": float(np.mean([r["macro_f1_present_at_threshold"] for r in reports.values()])),
        "pooled": {**pooled(argmax), "ece": expected_calibration_error(proba, y)[0], "n": len(y)},
        "pooled_at_threshold": pooled(at_threshold),
    }


def protocol_markdown(result: dict[str, Any]) -> str:
    """A readable table of a protocol's folds and summary."""
    s = result["summary"]
    lines = [
        f"# Protocol {result['protocol']}: {result['description']}",
        "",
        f"Model: `{result['arguments'].get('model')}`. Mean macro-F1 over folds (classes present in each fold): "
        f"**{s['mean_macro_f1_present']:.3f}** (argmax), {s['mean_macro_f1_present_at_threshold']:.3f} (precision-targeted campaign threshold).",
        f"Pooled over all folds ({s['pooled']['n']} posts): macro-F1 {s['pooled']['macro_f1']:.3f}, campaign precision "
        f"{s['pooled']['campaign_precision']:.3f} / recall {s['pooled']['campaign_recall']:.3f}, ECE {s['pooled']['ece']:.3f}.",
        "",
        "| fold | test posts | macro-F1 (present) | campaign P | campaign R | accuracy |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in result["folds"].items():
        lines.append(
            f"| {name} | {r['n']} | {r['macro_f1_present']:.3f} | {r['campaign_precision']:.3f} | {r['campaign_recall']:.3f} | {r['accuracy']:.3f} |"
        )
    return "\n".join(lines) + "\n"

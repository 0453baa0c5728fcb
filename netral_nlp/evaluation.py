"""How good is a model: per-class scores, confusion, calibration and campaign precision/recall.

>>> from netral_nlp import load_model
>>> from netral_nlp.evaluation import evaluate, write_report
>>> report = evaluate(load_model(), "corpus:test")                     # doctest: +SKIP
>>> write_report(report, "reports/default")                           # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from netral_nlp.errors import InputError
from netral_nlp.models.base import TextClassifier, decide
from netral_nlp.tables.files import atomic_file, atomic_write

__all__ = ["evaluate", "evaluate_predictions", "expected_calibration_error", "write_report"]

#: Code of a ``--data`` spec that names no split of the corpus.
E_DATA_SPEC = "E119"
#: Bins of the reliability diagram and of the expected calibration error.
ECE_BINS = 15
#: Files :func:`write_report` writes into its folder.
REPORT_FILES = ("report.json", "report.md", "confusion_matrix.png", "reliability.png", "campaign_pr.png")


def expected_calibration_error(proba: np.ndarray, y: np.ndarray, *, bins: int = ECE_BINS) -> tuple[float, list[dict[str, float]]]:
    """Top-label ECE with equal-width confidence bins, and the bins of a reliability diagram."""
    conf = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece, table = 0.0, []
    for lo, hi in itertools.pairwise(edges):
        m = (conf > lo) & (conf <= hi)
        if not m.any():
            continue
        acc, avg = float(correct[m].mean()), float(conf[m].mean())
        ece += float(m.mean()) * abs(acc - avg)
        table.append({"lo": float(lo), "hi": float(hi), "count": int(m.sum()), "accuracy": acc, "confidence": avg})
    return ece, table


def evaluate_predictions(
    model: TextClassifier, texts: Sequence[str], labels: Sequence[str], *, proba: np.ndarray | None = None
) -> dict[str, Any]:
    """All the figures of a report for ``texts`` with gold ``labels``."""
    if not labels:
        raise InputError("nothing to evaluate: no labelled rows (an empty or header-only file?)", code="E115")
    unknown = sorted(set(labels) - set(model.labels))
    if unknown:
        raise ValueError(f"unknown labels {unknown}; the model's labels are {model.labels}")
    if proba is None:
        proba = model.predict_proba(list(texts))
    y = np.array([model.labels.index(lab) for lab in labels])
    pred = decide(proba, model.labels, model.campaign_threshold)
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=range(len(model.labels)), zero_division=0)
    c = model.labels.index("campaign")
    ece, bins = expected_calibration_error(proba, y)
    curve = []
    for t in np.round(np.arange(0.05, 1.0, 0.05), 2):
        flagged = proba[:, c] >= t
        tp = int((flagged & (y == c)).sum())
        curve.append(
            {
                "threshold": float(t),
                "precision": tp / int(flagged.sum()) if flagged.any() else 1.0,
                "recall": tp / int((y == c).sum()) if (y == c).any() else 0.0,
                "flagged": int(flagged.sum()),
            }
        )
    return {
        "n": len(y),
        "labels": list(model.labels),
        "accuracy": float((pred == y).mean()),
        "macro_f1": float(f.mean()),
        "per_class": {
            lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, lab in enumerate(model.labels)
        },
        "campaign_precision": float(p[c]),
        "campaign_recall": float(r[c]),
        "campaign_threshold": model.campaign_threshold,
        "operating_point": model.operating_point,
        "at_precision_threshold": _at_threshold(proba, y, model) if model.precision_threshold is not None else None,
        "confusion_matrix": confusion_matrix(y, pred, labels=range(len(model.labels))).tolist(),
        "ece": ece,
        "reliability": bins,
        "campaign_pr_curve": curve,
    }


def _at_threshold(proba: np.ndarray, y: np.ndarray, model: TextClassifier) -> dict[str, float]:
    """The headline figures at the precision-targeted operating point (``use_operating_point("precision")``)."""
    pred = decide(proba, model.labels, model.precision_threshold)
    p, r, f, _ = precision_recall_fscore_support(y, pred, labels=range(len(model.labels)), zero_division=0)
    c = model.labels.index("campaign")
    return {
        "threshold": float(model.precision_threshold or 0.0),
        "macro_f1": float(f.mean()),
        "campaign_precision": float(p[c]),
        "campaign_recall": float(r[c]),
        "accuracy": float((pred == y).mean()),
    }


def _load_eval_data(
    data: str | Path, *, text_key: str = "text", label_key: str = "label", encoding: str = "utf-8"
) -> tuple[list[str], list[str]]:
    spec = str(data)
    if spec == "corpus" or spec.startswith("corpus:"):
        from netral_nlp.data import SPLITS, load_corpus

        split = spec.partition(":")[2] or "test"
        if split not in SPLITS:
            raise InputError(
                f"--data {spec}: the corpus has no split {split!r}; use {', '.join(f'corpus:{s}' for s in SPLITS)} or a labelled file",
                code=E_DATA_SPEC,
            )
        df = load_corpus(split, as_pandas=True)
        return df["text"].tolist(), df["label"].tolist()
    from netral_nlp.data import read_labelled

    ls = read_labelled(data, text_key=text_key, label_key=label_key, encoding=encoding)
    return ls.texts, ls.labels


def evaluate(
    model: TextClassifier, data: str | Path, *, text_key: str = "text", label_key: str = "label", encoding: str = "utf-8"
) -> dict[str, Any]:
    """Evaluate on ``corpus:test`` (or ``corpus:dev``) or on a labelled file (read by
    :func:`~netral_nlp.data.read_labelled`, UTF-8 unless ``encoding`` names another).

    >>> evaluate(load_model("linear"), "my_labels.csv")["macro_f1"]      # doctest: +SKIP
    0.81
    """
    texts, labels = _load_eval_data(data, text_key=text_key, label_key=label_key, encoding=encoding)
    if not labels:
        raise InputError(f"{data}: nothing to evaluate: no labelled rows (an empty or header-only file?)", code="E115")
    report = evaluate_predictions(model, texts, labels)
    report["data"] = str(data)
    return report


def _markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Evaluation on {report.get('data', 'data')}",
        "",
        f"{report['n']} posts. Accuracy {report['accuracy']:.3f}, macro-F1 **{report['macro_f1']:.3f}**, ECE {report['ece']:.3f}.",
        f"Operating point: {report.get('operating_point', 'argmax')}; campaign precision {report['campaign_precision']:.3f}, recall {report['campaign_recall']:.3f}.",
        *(
            [
                f"At the precision-targeted threshold ({t['threshold']:.2f}): macro-F1 {t['macro_f1']:.3f}, campaign precision "
                f"{t['campaign_precision']:.3f}, recall {t['campaign_recall']:.3f}."
            ]
            if (t := report.get("at_precision_threshold"))
            else []
        ),
        "",
        "| class | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for lab, m in report["per_class"].items():
        lines.append(f"| {lab} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
    lines += [
        "",
        "Confusion matrix (rows gold, columns predicted):",
        "",
        "| gold \\ pred | " + " | ".join(report["labels"]) + " |",
        "|---" * (len(report["labels"]) + 1) + "|",
    ]
    for lab, row in zip(report["labels"], report["confusion_matrix"], strict=True):
        lines.append(f"| {lab} | " + " | ".join(str(v) for v in row) + " |")
    lines += [
        "",
        "Campaign precision/recall over thresholds on p(campaign):",
        "",
        "| threshold | precision | recall | flagged |",
        "|---|---|---|---|",
    ]
    for pt in report["campaign_pr_curve"]:
        lines.append(f"| {pt['threshold']:.2f} | {pt['precision']:.3f} | {pt['recall']:.3f} | {pt['flagged']} |")
    lines += ["", "![confusion](confusion_matrix.png) ![reliability](reliability.png) ![pr](campaign_pr.png)", ""]
    return "\n".join(lines)


def _plots(report: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = report["labels"]
    cm = np.array(report["confusion_matrix"])
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title("Confusion matrix")
    fig.tight_layout()
    _save(fig, out / "confusion_matrix.png")

    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect")
    rel = report["reliability"]
    ax.plot([b["confidence"] for b in rel], [b["accuracy"] for b in rel], "o-", label=f"model (ECE {report['ece']:.3f})")
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title("Reliability diagram")
    ax.legend()
    fig.tight_layout()
    _save(fig, out / "reliability.png")

    fig, ax = plt.subplots(figsize=(4.5, 4))
    curve = report["campaign_pr_curve"]
    ax.plot([c["threshold"] for c in curve], [c["precision"] for c in curve], label="precision")
    ax.plot([c["threshold"] for c in curve], [c["recall"] for c in curve], label="recall")
    threshold = (report.get("at_precision_threshold") or {}).get("threshold", report["campaign_threshold"])
    if threshold is not None:
        ax.axvline(threshold, color="grey", ls=":", label="precision-targeted threshold")
    ax.set_xlabel("threshold on p(campaign)")
    ax.set_title("campaign: precision / recall")
    ax.legend()
    fig.tight_layout()
    _save(fig, out / "campaign_pr.png")


def _save(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    with atomic_file(path) as fh:
        fig.savefig(fh, format="png", dpi=120)
    plt.close(fig)


def write_report(report: dict[str, Any], out: str | Path, *, fmt: str = "markdown", plots: bool = True) -> Path:
    """Write ``report.json`` (always), ``report.md`` (``fmt="markdown"``) and the PNG plots."""
    if fmt not in ("markdown", "json"):
        raise ValueError("fmt must be 'markdown' or 'json'")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "report.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if fmt == "markdown":
        atomic_write(out / "report.md", _markdown(report))
    if plots:
        _plots(report, out)
    return out

"""Accuracy of the shipped models on the corpus test split, side by side, and the checks the model
cards quote: the two operating points, the 2014-2019 and 2024 posts apart, calibration, the
election check (no election vs pemilu-2024 on the 2024 test posts) and, for the transformer, the
int8 graph against fp32.

Run from the repository root (the corpus needs ../shared/data/posts2024 for its 2024 posts):
    python benchmarks/eval_models.py                       # default, fast, cascade, linear
    python benchmarks/eval_models.py --models default --int8-check
Writes benchmarks/out/eval_models.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from netral_nlp.data import POSTS2024_LICENCES, load_corpus
from netral_nlp.evaluation import evaluate_predictions
from netral_nlp.models import load_model


def figures(model: Any, texts: list[str], gold: list[str], proba: np.ndarray) -> dict[str, Any]:
    rep = evaluate_predictions(model, texts, gold, proba=proba)
    at = rep.get("at_precision_threshold") or {}
    return {
        "n": rep["n"],
        "macro_f1": round(rep["macro_f1"], 4),
        "campaign_precision": round(rep["campaign_precision"], 4),
        "campaign_recall": round(rep["campaign_recall"], 4),
        "ece": round(rep["ece"], 4),
        "at_precision_threshold": {k: round(v, 4) for k, v in at.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="default,fast,cascade,linear", help="comma-separated shipped names or folders")
    ap.add_argument("--int8-check", action="store_true", help="also compare the transformer's int8 graph with fp32")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/out/eval_models.json"))
    a = ap.parse_args()
    test = load_corpus("test", as_pandas=True)
    is2024 = test["source"].isin(POSTS2024_LICENCES)
    parts = {"test": test, "test_2014_2019": test[~is2024], "test_2024": test[is2024]}
    results: dict[str, Any] = {}
    for name in a.models.split(","):
        model = load_model(name)
        start = time.time()
        proba = model.predict_proba(test["text"].tolist())
        res: dict[str, Any] = {"kind": model.kind, "seconds": round(time.time() - start, 1)}
        for part, df in parts.items():
            idx = df.index.to_numpy()
            res[part] = figures(model, df["text"].tolist(), df["label"].tolist(), proba[idx])
        new = parts["test_2024"]["text"].tolist()
        plain = proba[parts["test_2024"].index.to_numpy()].argmax(1)
        told = load_model(name, election="pemilu-2024").predict_proba(new).argmax(1)
        res["election_check"] = {"posts": len(new), "same_label_no_election_vs_pemilu_2024": round(float((plain == told).mean()), 4)}
        if a.int8_check and model.kind == "transformer":
            model.precision = "int8"
            p8 = model.predict_proba(test["text"].tolist())
            model.precision = "fp32"
            p32 = model.predict_proba(test["text"].tolist())
            res["int8_vs_fp32"] = {
                "posts": len(test),
                "same_label": round(float((p8.argmax(1) == p32.argmax(1)).mean()), 4),
                "max_probability_difference": round(float(np.abs(p8 - p32).max()), 4),
                "fp32_macro_f1": figures(model, test["text"].tolist(), test["label"].tolist(), p32)["macro_f1"],
            }
        results[name] = res
        print(name, json.dumps(res, indent=1), flush=True)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(results, indent=2) + "\n")
    print("\n| model | test macro-F1 | campaign P / R | at precision threshold: macro-F1, P / R | 2024 posts | 2014-2019 posts | ECE |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        t, at = r["test"], r["test"]["at_precision_threshold"]
        print(
            f"| {name} | {t['macro_f1']:.3f} | {t['campaign_precision']:.3f} / {t['campaign_recall']:.3f} | "
            f"{at.get('macro_f1', float('nan')):.3f}, {at.get('campaign_precision', float('nan')):.3f} / {at.get('campaign_recall', float('nan')):.3f} | "
            f"{r['test_2024']['macro_f1']:.3f} | {r['test_2014_2019']['macro_f1']:.3f} | {t['ece']:.3f} |"
        )


if __name__ == "__main__":
    main()

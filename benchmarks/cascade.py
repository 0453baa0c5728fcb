"""Would a cascade pay? The fast model answers the posts it is sure of, the default model the rest.

For each confidence threshold t on the fast model's top probability: the share of posts sent on
to the default model, the cascade's macro-F1 on the corpus test split, and its speed relative to
the default model alone (1 / (share sent on + fast cost / default cost), the costs measured here
per post on the same posts). The cascade is worth building if some t keeps macro-F1 within 0.01 of
the default model's at 3x its speed or more.

Run from the repository root: python benchmarks/cascade.py
"""

from __future__ import annotations

import json
import time

import numpy as np
from sklearn.metrics import f1_score

from netral_nlp.data import load_corpus
from netral_nlp.models import load_model


def _curve(p_default: np.ndarray, p_fast: np.ndarray, y: np.ndarray, cost_ratio: float) -> list[dict[str, float]]:
    rows = []
    for t in np.arange(0.50, 1.0, 0.05):
        sure = p_fast.max(1) >= t
        pred = np.where(sure, p_fast.argmax(1), p_default.argmax(1))
        sent = 1.0 - float(sure.mean())
        rows.append(
            {
                "threshold": round(float(t), 2),
                "sent_to_default": round(sent, 3),
                "macro_f1": round(float(f1_score(y, pred, average="macro")), 4),
                "speedup": round(1.0 / (sent + cost_ratio), 2),
            }
        )
    return rows


def main() -> None:
    default, fast = load_model("default"), load_model("fast")
    labels = default.labels
    assert fast.labels == labels
    probs = {}
    for split in ("dev", "test"):
        part = load_corpus(split, as_pandas=True)
        texts = part["text"].tolist()
        start = time.perf_counter()
        p_default = default.predict_proba(texts)
        t_default = (time.perf_counter() - start) / len(texts)
        start = time.perf_counter()
        p_fast = fast.predict_proba(texts)
        t_fast = (time.perf_counter() - start) / len(texts)
        probs[split] = (p_default, p_fast, np.array([labels.index(g) for g in part["label"]]), t_fast / t_default)
    # the threshold is chosen on dev (the fastest that keeps dev macro-F1 within 0.01), then tested
    p_default, p_fast, y, ratio = probs["dev"]
    dev_base = f1_score(y, p_default.argmax(1), average="macro")
    dev_rows = _curve(p_default, p_fast, y, ratio)
    fine = [r for r in dev_rows if r["macro_f1"] >= dev_base - 0.01]
    chosen = max(fine, key=lambda r: r["speedup"])["threshold"] if fine else None
    p_default, p_fast, y, ratio = probs["test"]
    base = f1_score(y, p_default.argmax(1), average="macro")
    rows = _curve(p_default, p_fast, y, ratio)
    print(
        json.dumps(
            {
                "default_macro_f1": {"dev": round(float(dev_base), 4), "test": round(float(base), 4)},
                "fast_cost_over_default": round(ratio, 4),
                "threshold_chosen_on_dev": chosen,
            }
        )
    )
    print("| fast-model confidence >= | test: sent to the default | test macro-F1 | speed vs the default | dev macro-F1 |")
    print("|---|---|---|---|---|")
    for r, d in zip(rows, dev_rows, strict=True):
        mark = " (chosen on dev)" if r["threshold"] == chosen else ""
        print(
            f"| {r['threshold']:.2f}{mark} | {r['sent_to_default']:.1%} | {r['macro_f1']:.3f} | {r['speedup']:.1f}x | {d['macro_f1']:.3f} |"
        )
    at = next((r for r in rows if r["threshold"] == chosen), None)
    worth = at is not None and at["macro_f1"] >= base - 0.01 and at["speedup"] >= 3
    print("worth building (within 0.01 of the default at 3x or more, threshold from dev):", "yes" if worth else "no")


if __name__ == "__main__":
    main()

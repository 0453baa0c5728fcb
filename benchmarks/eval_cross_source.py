"""Cross-source and confidence evaluation of the linear model (figures for the model card).

For each held-out group of sources: train on the corpus train+dev rows of the other sources
(calibrated on their dev rows), test on *all* rows of the held-out sources. Also reports the
shipped model on the high-confidence part of the test split.

Run: python benchmarks/eval_cross_source.py  (about 1 minute on 2 cores)
"""

from __future__ import annotations

import json
from pathlib import Path

from netral_nlp.data import load_corpus
from netral_nlp.evaluation import evaluate_predictions
from netral_nlp.models import load_model
from netral_nlp.models.linear import LinearClassifier
from netral_nlp.text.normalize import Normalizer

HELD_OUT = {
    "stance blog articles (id_stance_2016 + id_stance_2018)": ["id_stance_2016", "id_stance_2018"],
    "Pilpres-2019-era tweets (ibrohim2019_hs + ibrohim2018_abusive)": ["ibrohim2019_hs", "ibrohim2018_abusive"],
}


def main() -> None:
    df = load_corpus(as_pandas=True)
    out: dict[str, dict] = {}
    for name, sources in HELD_OUT.items():
        held = df["source"].isin(sources)
        tr = df[~held & (df["split"] != "dev")]
        dv = df[~held & (df["split"] == "dev")]
        te = df[held]
        clf = LinearClassifier(normalizer=Normalizer("linear", election="pilpres-2019"), C=1.0).fit(
            tr["text"].tolist(), tr["label"].tolist()
        )
        clf.calibrate(dv["text"].tolist(), dv["label"].tolist(), campaign_precision=0.9)
        at_threshold = evaluate_predictions(clf, te["text"].tolist(), te["label"].tolist())
        clf.campaign_threshold = None
        argmax = evaluate_predictions(clf, te["text"].tolist(), te["label"].tolist())
        out[name] = {"train_rows": len(tr), "test_rows": len(te), "argmax": argmax, "default_threshold": at_threshold}
    model = load_model()
    test = df[df["split"] == "test"]
    for conf in ("high", "low"):
        part = test[test["confidence"] == conf]
        out[f"shipped model, test split, {conf}-confidence labels"] = {
            "test_rows": len(part),
            "default_threshold": evaluate_predictions(model, part["text"].tolist(), part["label"].tolist()),
        }
    print("| evaluation | rows | macro-F1 (argmax) | macro-F1 (default threshold) | campaign P / R (default threshold) | ECE |")
    print("|---|---|---|---|---|---|")
    for name, r in out.items():
        a, t = r.get("argmax"), r["default_threshold"]
        a_f1 = f"{a['macro_f1']:.3f}" if a else "-"
        print(
            f"| {name} | {r['test_rows']} | {a_f1} | {t['macro_f1']:.3f} | {t['campaign_precision']:.3f} / {t['campaign_recall']:.3f} | {t['ece']:.3f} |"
        )
    Path("benchmarks/out").mkdir(parents=True, exist_ok=True)
    Path("benchmarks/out/cross_source.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()

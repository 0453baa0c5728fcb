"""Assemble the labelled corpus from the candidates and the annotation passes.

Run from the repository root:  python data/netral-corpus/build/assemble.py

Inputs (all in data/netral-corpus/):
  build/candidates.csv                  posts drawn by build/candidates.py
  annotations/pass1/*.csv               first pass: every post, read and labelled once
  annotations/pass2/*.csv               second, independent pass on a stratified sample
  annotations/adjudication/*.csv        the final label where the two passes disagree
Outputs:
  corpus.csv                            the corpus (id, text, label, source, ..., split)
  stats.json                            counts and agreement figures quoted in README.md
"""

from __future__ import annotations

import glob
import json
import re
from pathlib import Path

import pandas as pd
from sklearn.metrics import cohen_kappa_score, confusion_matrix
from sklearn.model_selection import train_test_split

from netral_nlp.text.normalize import Normalizer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LABELS = ["campaign", "political_neutral", "non_political"]
SEED = 13
LICENCE = {
    "ibrohim2019_hs": "CC BY-NC-SA 4.0",
    "ibrohim2018_abusive": "CC BY-NC-SA 4.0",
    "id_stance_2016": "CC BY-NC-SA 4.0",
    "id_stance_2018": "CC BY-NC-SA 4.0",
    "indonlu_emot": "MIT",
    "indonlu_smsa": "MIT",
    "indonlu_casa": "MIT",
    "indonlu_hoasa": "MIT",
    "nusax_id": "CC BY-SA 4.0",
}


def _read(pattern: str) -> pd.DataFrame:
    files = sorted(glob.glob(str(ROOT / pattern)))
    if not files:
        raise FileNotFoundError(pattern)
    df = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    bad = df[~df["label"].isin(LABELS)]
    if len(bad):
        raise ValueError(f"{pattern}: unknown labels {bad['label'].unique().tolist()}")
    if not df["id"].is_unique:
        raise ValueError(f"{pattern}: duplicated ids")
    return df


def near_dup_key(normalizer: Normalizer, text: str) -> str:
    t = normalizer(text)
    t = re.sub(r"@USER|HTTPURL|:[a-z0-9_&'.-]+:|wkwk", " ", t)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", t).split())


def main() -> None:
    cand = pd.read_csv(HERE / "candidates.csv", keep_default_na=False, dtype=str)
    p1 = _read("annotations/pass1/*.csv")
    p2 = _read("annotations/pass2/*.csv")
    adj = _read("annotations/adjudication/*.csv")
    if set(p1["id"]) != set(cand["id"]):
        raise ValueError("pass1 does not cover exactly the candidates")

    both = p1.merge(p2, on="id", suffixes=("_1", "_2"))
    kappa = cohen_kappa_score(both["label_1"], both["label_2"])
    cm = confusion_matrix(both["label_1"], both["label_2"], labels=LABELS)
    disagree = both[both["label_1"] != both["label_2"]]
    if set(disagree["id"]) != set(adj["id"]):
        raise ValueError("every disagreement needs exactly one adjudicated label")
    hh = both[(both["confidence_1"] == "high") & (both["confidence_2"] == "high")]

    df = cand.merge(p1, on="id")
    df["annotation"] = "read-single"
    second = set(both["id"])
    df.loc[df["id"].isin(second), "annotation"] = "read-double-agreed"
    adj_label = adj.set_index("id")["label"]
    is_adj = df["id"].isin(adj_label.index)
    df.loc[is_adj, "label"] = df.loc[is_adj, "id"].map(adj_label)
    df.loc[is_adj, "annotation"] = "read-double-adjudicated"
    conf2 = both.set_index("id")["confidence_2"]
    low_second = df["id"].map(conf2).eq("low")
    df.loc[is_adj | low_second, "confidence"] = "low"

    # Near duplicates: the same text once normalised (placeholders, emoji, punctuation aside).
    norm = Normalizer("transformer")
    df["_key"] = [near_dup_key(norm, t) for t in df["text"]]
    before = len(df)
    df = df[df["_key"].str.len() > 0].drop_duplicates("_key", keep="first")
    n_near_dups = before - len(df)

    df["election"] = df["election_hint"].where(df["label"] != "non_political", "")
    df["licence"] = df["source"].map(LICENCE)
    if df["licence"].isna().any():
        raise ValueError("a source without a licence")

    # Stratified by label x source; label x source cells too small to split fall back to the label.
    strata = df["label"] + "|" + df["source"]
    strata = strata.where(strata.map(strata.value_counts()) >= 20, df["label"])
    train, rest = train_test_split(df, test_size=0.30, random_state=SEED, stratify=strata)
    dev, test = train_test_split(rest, test_size=0.5, random_state=SEED, stratify=strata.loc[rest.index])
    df.loc[train.index, "split"] = "train"
    df.loc[dev.index, "split"] = "dev"
    df.loc[test.index, "split"] = "test"
    df = df.sort_values(["split", "id"], key=lambda s: s.map({"train": 0, "dev": 1, "test": 2}) if s.name == "split" else s)
    cols = ["id", "text", "label", "source", "source_id", "election", "split", "annotation", "confidence", "licence"]
    df[cols].to_csv(ROOT / "corpus.csv", index=False)

    stats = {
        "posts": len(df),
        "near_duplicates_dropped_after_labelling": n_near_dups,
        "per_label": df["label"].value_counts().to_dict(),
        "per_split_label": {s: g["label"].value_counts().to_dict() for s, g in df.groupby("split")},
        "per_source_label": {s: g["label"].value_counts().to_dict() for s, g in df.groupby("source")},
        "per_confidence": df["confidence"].value_counts().to_dict(),
        "per_annotation": df["annotation"].value_counts().to_dict(),
        "agreement": {
            "double_annotated": len(both),
            "cohen_kappa": round(float(kappa), 4),
            "raw_agreement": round(float((both["label_1"] == both["label_2"]).mean()), 4),
            "confusion_pass1_rows_pass2_cols": {"labels": LABELS, "matrix": cm.tolist()},
            "both_high_confidence": len(hh),
            "cohen_kappa_both_high": round(float(cohen_kappa_score(hh["label_1"], hh["label_2"])), 4),
            "disagreements_adjudicated": len(adj),
            "adjudicated_as_pass1": int((adj["label"] == adj["label_pass1"]).sum()),
            "adjudicated_as_pass2": int((adj["label"] == adj["label_pass2"]).sum()),
        },
    }
    (ROOT / "stats.json").write_text(json.dumps(stats, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(stats, indent=2))


if __name__ == "__main__":
    main()

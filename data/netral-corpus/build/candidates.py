"""Draw the candidate posts that annotators read, from the public sets in ../shared/data.

Run from the repository root:  python data/netral-corpus/build/candidates.py --shared ../shared/data

Writes data/netral-corpus/build/candidates.csv (id, text, source, source_id, election_hint, pool).
A keyword pattern only *chooses which posts to read* (so that enough political posts are read);
it never decides a label: every label comes from an annotator reading the post.
Texts are repaired (encodings) but otherwise kept as posted. Exact and near duplicates (same text
after lower-casing and removing punctuation/placeholders) are dropped here, before any labelling.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import re
from pathlib import Path

import pandas as pd

from netral_nlp.text.encoding import repair_encoding

SEED = 20241114
POLITICAL_HINT = re.compile(
    r"jokowi|prabowo|sandi|capres|cawapres|pilpres|pemilu|pilkada|pilgub|2019ganti|ganti ?presiden|"
    r"ma.ruf|kampanye|coblos|partai|pks|pdip|gerindra|demokrat|golkar|cebong|kampret|presiden|ahok|"
    r"anies|golput|kpu|bawaslu|caleg|dpr|koalisi|oposisi|rezim|petahana|debat|jkw|bowo|paslon|"
    r"gubernur|menteri|pemerintah|#\w*2019|\b0[12]\b|relawan|timses|djarot|ridwan ?kamil|ahy|sby",
    re.I,
)


def dedup_key(text: str) -> str:
    t = text.lower()
    t = re.sub(r"\b(user|url|username|rt)\b|\[username\]|https?://\S+|@\w+", " ", t)
    t = re.sub(r"[^0-9a-z]+", " ", t)
    return " ".join(t.split())


def stable_id(source: str, source_id: str) -> str:
    return hashlib.sha1(f"{source}:{source_id}".encode()).hexdigest()[:12]


def clean(text: str) -> str:
    text = repair_encoding(str(text))
    # The ibrohim sets keep a stray quote from the scraper's b'...' repr at the end of a row.
    if text.endswith("'") and text.count("'") % 2 == 1:
        text = text[:-1]
    text = text.replace("\\n", "\n")
    return text.strip()


def split_article(paragraphs: list[str], max_len: int = 320) -> list[str]:
    """Split an article into postable units: whole paragraphs, or groups of sentences."""
    out: list[str] = []
    for p in paragraphs:
        p = " ".join(str(p).split())
        if len(p) < 40:
            continue
        if len(p) <= max_len:
            out.append(p)
            continue
        buf = ""
        for s in re.split(r"(?<=[.!?])\s+", p):
            if buf and len(buf) + len(s) + 1 > max_len:
                if len(buf) >= 40:
                    out.append(buf)
                buf = s
            else:
                buf = f"{buf} {s}".strip()
        if len(buf) >= 40:
            out.append(buf)
    return out


EVENT_TO_ELECTION = {
    "Pilgub DKI 2016": "pilkada-dki-2017",
    "Pilpres 2014": "pilpres-2014",
    "Pilgub Jabar": "pilkada-jabar-2018",
    "Pilpres 2019": "pilpres-2019",
}
TOPIC_TO_ELECTION = {"ahok": "pilkada-dki-2017", "jokowi": "pilpres-2014", "yusril": "pilkada-dki-2017"}


def rows_ibrohim2019(d: Path) -> list[dict]:
    df = pd.read_csv(d / "ibrohim2019_hs/re_dataset.csv", encoding="latin-1")
    return [dict(source="ibrohim2019_hs", source_id=str(i), raw=t, election_hint="pilpres-2019") for i, t in enumerate(df["Tweet"])]


def rows_ibrohim2018(d: Path) -> list[dict]:
    df = pd.read_csv(d / "ibrohim2018_abusive/re_dataset_three_labels.csv", encoding="latin-1")
    return [dict(source="ibrohim2018_abusive", source_id=str(i), raw=t, election_hint="") for i, t in enumerate(df["Tweet"])]


def rows_stance(d: Path) -> list[dict]:
    rows = []
    a = pd.read_csv(d / "id_stance_jannati2018/dataset_stance_2_label_2018_building_by_rini.csv", sep=";", encoding="utf-8-sig")
    for i, r in a.iterrows():
        try:
            paras = ast.literal_eval(r["Isi Artikel"])
        except (ValueError, SyntaxError):
            paras = [r["Isi Artikel"]]
        for j, unit in enumerate(split_article(paras)):
            rows.append(dict(source="id_stance_2018", source_id=f"{i}:{j}", raw=unit, election_hint=EVENT_TO_ELECTION.get(r["Event"], "")))
    b = pd.read_csv(d / "id_stance_jannati2018/dataset_stance_3_label_2016_building_by_cakra.csv")
    for _, r in b.iterrows():
        try:
            paras = ast.literal_eval(r["content"])
        except (ValueError, SyntaxError):
            paras = [r["content"]]
        for j, unit in enumerate(split_article(paras)):
            rows.append(
                dict(source="id_stance_2016", source_id=f"{r['no']}:{j}", raw=unit, election_hint=TOPIC_TO_ELECTION.get(r["topic"], ""))
            )
    return rows


def rows_indonlu(d: Path) -> list[dict]:
    rows = []
    for name, fn, col, kw in [
        ("indonlu_emot", "dataset_emot_emotion-twitter_train_preprocess.csv", "tweet", {}),
        ("indonlu_casa", "dataset_casa_absa-prosa_train_preprocess.csv", "sentence", {}),
        ("indonlu_hoasa", "dataset_hoasa_absa-airy_train_preprocess.csv", "review", {}),
    ]:
        df = pd.read_csv(d / "indonlu" / fn, **kw)
        rows += [dict(source=name, source_id=f"train:{i}", raw=t, election_hint="") for i, t in enumerate(df[col])]
    df = pd.read_csv(
        d / "indonlu/dataset_smsa_doc-sentiment-prosa_train_preprocess.tsv",
        sep="\t",
        header=None,
        names=["text", "label"],
        quoting=csv.QUOTE_NONE,
    )
    rows += [dict(source="indonlu_smsa", source_id=f"train:{i}", raw=t, election_hint="") for i, t in enumerate(df["text"])]
    return rows


def rows_nusax(d: Path) -> list[dict]:
    rows = []
    for split in ("train", "valid", "test"):
        df = pd.read_csv(d / f"nusax_id/datasets_sentiment_indonesian_{split}.csv")
        rows += [dict(source="nusax_id", source_id=f"{split}:{r['id']}", raw=r["text"], election_hint="") for _, r in df.iterrows()]
    return rows


# How many posts to draw from each pool: (source, political-hint filter, count).
# None = no filter. Political posts come mainly from ibrohim2019_hs and the stance articles.
QUOTA = [
    ("ibrohim2019_hs", True, 3000),
    ("id_stance_2016", None, 850),
    ("id_stance_2018", None, 750),
    ("ibrohim2019_hs", False, 550),
    ("ibrohim2018_abusive", None, 300),
    ("indonlu_emot", None, 500),
    ("indonlu_smsa", None, 450),
    ("indonlu_casa", None, 100),
    ("indonlu_hoasa", None, 100),
    ("nusax_id", None, 250),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared/data", type=Path)
    ap.add_argument("--out", default=Path(__file__).with_name("candidates.csv"), type=Path)
    args = ap.parse_args()
    d = args.shared
    allrows = rows_ibrohim2019(d) + rows_ibrohim2018(d) + rows_stance(d) + rows_indonlu(d) + rows_nusax(d)
    df = pd.DataFrame(allrows)
    df["text"] = df["raw"].map(clean)
    df = df[df["text"].str.len() >= 15]
    df["key"] = df["text"].map(dedup_key)
    df = df[df["key"].str.len() >= 10]
    df = df.drop_duplicates("key", keep="first")
    df["hint"] = df["text"].str.contains(POLITICAL_HINT)
    picked = []
    for source, hint, n in QUOTA:
        pool = df[df["source"] == source]
        if hint is not None:
            pool = pool[pool["hint"] == hint]
        take = pool.sample(n=min(n, len(pool)), random_state=SEED)
        take = take.assign(pool=f"{source}:{'any' if hint is None else ('political_hint' if hint else 'no_hint')}")
        picked.append(take)
        df = df.drop(take.index)
    out = pd.concat(picked)
    out["id"] = [stable_id(s, i) for s, i in zip(out["source"], out["source_id"], strict=False)]
    assert out["id"].is_unique
    out = out.sample(frac=1.0, random_state=SEED)  # shuffle so annotators do not see sources in blocks
    out[["id", "text", "source", "source_id", "election_hint", "pool"]].to_csv(args.out, index=False)
    print(out.groupby("pool").size().to_string())
    print("total", len(out))


if __name__ == "__main__":
    main()

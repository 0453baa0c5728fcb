"""Assemble the labelled corpus from the candidates and the annotation passes.

Run from the repository root:  python data/netral-corpus/build/assemble.py

Inputs (all in data/netral-corpus/):
  2014-2019 posts (corpus v1)
    build/candidates.csv                   posts drawn by build/candidates.py
    annotations/pass1/*.csv                first pass: every post, read and labelled once
    annotations/pass2/*.csv                second, independent pass on a stratified sample
    annotations/adjudication/*.csv         the final label where the two passes disagree
    annotations/v2_old_relabel/*.csv       a reading under the 2024 guidelines of a random 500
                                           and of every other low-confidence post
    annotations/v2_old_third/*.csv         a third reading of the posts where that reading and
                                           the v1 label differ (the majority of the three wins)
    annotations/v2_adjudication/old_adjudicated.csv
                                           the maintainer's label where all three readings differ
  2024 posts (corpus v2)
    build/candidates2024.csv               posts drawn by build/candidates2024.py (ids, hashes,
                                           texts of MIT sources only)
    annotations/v2_pass1/*.csv             every 2024 post, read once
    annotations/v2_pass2/*.csv             1,000 posts read again, independently
    annotations/v2_adjudication/adjudicated.csv   the final label of every disagreement
    annotations/v2_adjudication/consistency.csv   one decision applied to every copy of a
                                           recurring message
Outputs:
  corpus.csv                               the corpus (id, text, label, source, ..., split)
  stats.json                               counts and agreement figures quoted in README.md

The texts of 2024 posts from sources without a licence to redistribute are not written to
corpus.csv (only their SHA-256); ``netral_nlp.data.load_corpus`` joins them from posts2024. This
script reads them from ``--posts`` (default ../shared/data/posts2024) to check duplicates.
"""

from __future__ import annotations

import argparse
import glob
import json
import re
from pathlib import Path

import pandas as pd
from sklearn.metrics import cohen_kappa_score, confusion_matrix
from sklearn.model_selection import train_test_split

from netral_nlp.data import POSTS2024_LICENCES, clean_post_text
from netral_nlp.labels import LABELS
from netral_nlp.text.normalize import Normalizer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = 13
CAMPAIGN_TYPES = ("promote", "attack", "mixed")
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
#: Platform of each 2014-2019 source.
PLATFORM_V1 = {
    "ibrohim2019_hs": "twitter",
    "ibrohim2018_abusive": "twitter",
    "indonlu_emot": "twitter",
    "id_stance_2016": "blog",
    "id_stance_2018": "blog",
    "indonlu_smsa": "review",
    "indonlu_casa": "review",
    "indonlu_hoasa": "review",
    "nusax_id": "review",
}
#: The contest each 2024 source is about (political posts get it in the ``election`` column).
ELECTION_2024 = {
    "ghazafm_pilpres2024_twitter": "pilpres-2024",
    "achmaddhani_prabowogibran_twitter": "pilpres-2024",
    "rizano26_pemilu2024_twitter": "pemilu-2024",
    "luthfilkhairi_politik_twitter": "pilpres-2024",
    "ndtsaniyah_debatcapres_youtube": "pilpres-2024",
    "larassetyadita_pilgubjakarta_twitter": "pilkada-2024",
    "rahmaputri_pilkadajatim_twitter": "pilkada-2024",
    "salatid_pilkadabanten_youtube": "pilkada-2024",
    "andihisyam_pilkada2024_twitter": "pilkada-2024",
    "davidkristian_mbg_twitter": "",  # after the election
    "tippoart_gerindra_tiktok": "",  # after the election
    "atrkhomeini_coffeeshop_twitter": "",
    "andihisyam_jkt48_twitter": "",
    "fahrihilm_timnas_youtube": "",
}
COLUMNS = [
    "id",
    "text",
    "label",
    "campaign_type",
    "source",
    "source_id",
    "platform",
    "date",
    "election",
    "split",
    "annotation",
    "confidence",
    "licence",
    "text_sha256",
]


def _read(pattern: str, *, required: bool = True) -> pd.DataFrame:
    files = sorted(glob.glob(str(ROOT / pattern)))
    if not files:
        if required:
            raise FileNotFoundError(pattern)
        return pd.DataFrame(columns=["id", "label", "confidence", "campaign_type"])
    df = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)
    bad = df[~df["label"].isin(LABELS)]
    if len(bad):
        raise ValueError(f"{pattern}: unknown labels {bad['label'].unique().tolist()}")
    if not df["id"].is_unique:
        raise ValueError(f"{pattern}: duplicated ids {df.loc[df['id'].duplicated(), 'id'].tolist()[:5]}")
    if "campaign_type" in df.columns:
        wrong = df[(df["label"] == "campaign") & ~df["campaign_type"].isin(CAMPAIGN_TYPES) & (df["campaign_type"] != "")]
        if len(wrong):
            raise ValueError(f"{pattern}: unknown campaign types {wrong['campaign_type'].unique().tolist()}")
    return df


def near_dup_key(normalizer: Normalizer, text: str) -> str:
    t = normalizer(text)
    t = re.sub(r"@USER|HTTPURL|:[a-z0-9_&'.-]+:|wkwk", " ", t)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", t).split())


def _agreement(first: pd.DataFrame, second: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    both = first.merge(second, on="id", suffixes=("_1", "_2"))
    hh = both[(both["confidence_1"] == "high") & (both["confidence_2"] == "high")]
    return both, {
        "double_annotated": len(both),
        "cohen_kappa": round(float(cohen_kappa_score(both["label_1"], both["label_2"])), 4),
        "raw_agreement": round(float((both["label_1"] == both["label_2"]).mean()), 4),
        "confusion_pass1_rows_pass2_cols": {
            "labels": list(LABELS),
            "matrix": confusion_matrix(both["label_1"], both["label_2"], labels=list(LABELS)).tolist(),
        },
        "both_high_confidence": len(hh),
        "cohen_kappa_both_high": round(float(cohen_kappa_score(hh["label_1"], hh["label_2"])), 4) if len(hh) else None,
    }


def _split(df: pd.DataFrame) -> pd.Series:
    """Stratified 70/15/15 by label x source; label x source cells too small to split fall back
    to the label."""
    strata = df["label"] + "|" + df["source"]
    strata = strata.where(strata.map(strata.value_counts()) >= 20, df["label"])
    train, rest = train_test_split(df, test_size=0.30, random_state=SEED, stratify=strata)
    dev, test = train_test_split(rest, test_size=0.5, random_state=SEED, stratify=strata.loc[rest.index])
    split = pd.Series("", index=df.index)
    split[train.index], split[dev.index], split[test.index] = "train", "dev", "test"
    return split


def assemble_v1(norm: Normalizer) -> tuple[pd.DataFrame, dict]:
    """The 2014-2019 posts as first labelled (their splits stay as they were)."""
    cand = pd.read_csv(HERE / "candidates.csv", keep_default_na=False, dtype=str)
    p1 = _read("annotations/pass1/*.csv")
    p2 = _read("annotations/pass2/*.csv")
    adj = _read("annotations/adjudication/*.csv")
    if set(p1["id"]) != set(cand["id"]):
        raise ValueError("pass1 does not cover exactly the candidates")
    both, agreement = _agreement(p1, p2)
    disagree = both[both["label_1"] != both["label_2"]]
    if set(disagree["id"]) != set(adj["id"]):
        raise ValueError("every disagreement needs exactly one adjudicated label")
    agreement.update(
        disagreements_adjudicated=len(adj),
        adjudicated_as_pass1=int((adj["label"] == adj["label_pass1"]).sum()),
        adjudicated_as_pass2=int((adj["label"] == adj["label_pass2"]).sum()),
    )

    df = cand.merge(p1, on="id")
    df["annotation"] = "read-single"
    df.loc[df["id"].isin(set(both["id"])), "annotation"] = "read-double-agreed"
    adj_label = adj.set_index("id")["label"]
    is_adj = df["id"].isin(adj_label.index)
    df.loc[is_adj, "label"] = df.loc[is_adj, "id"].map(adj_label)
    df.loc[is_adj, "annotation"] = "read-double-adjudicated"
    low_second = df["id"].map(both.set_index("id")["confidence_2"]).eq("low")
    df.loc[is_adj | low_second, "confidence"] = "low"

    df["_key"] = [near_dup_key(norm, t) for t in df["text"]]
    before = len(df)
    df = df[df["_key"].str.len() > 0].drop_duplicates("_key", keep="first")
    agreement["near_duplicates_dropped_after_labelling"] = before - len(df)
    df["election"] = df["election_hint"].where(df["label"] != "non_political", "")
    df["licence"] = df["source"].map(LICENCE)
    if df["licence"].isna().any():
        raise ValueError("a source without a licence")
    df["split"] = _split(df)
    df["platform"] = df["source"].map(PLATFORM_V1)
    df["date"] = ""
    df["campaign_type"] = ""
    df["text_sha256"] = ""
    return df, agreement


def relabel_v1(df: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Apply the reading of old posts under the 2024 guidelines: where it differs from the v1
    label, a third reading decides (majority of three), the maintainer where all three differ."""
    second = _read("annotations/v2_old_relabel/*.csv", required=False)
    third = _read("annotations/v2_old_third/*.csv", required=False)
    final_adj = _read("annotations/v2_adjudication/old_adjudicated.csv", required=False)
    # the random 500 are the file v2_old_relabel.csv; the other files hold the low-confidence posts
    sample = set(_read("annotations/v2_old_relabel/v2_old_relabel.csv")["id"]) if not second.empty else set()
    stats: dict = {}
    if second.empty:
        return df, stats
    m = df[["id", "label", "confidence"]].merge(second, on="id", suffixes=("_v1", "_v2"))
    in_sample = m[m["id"].isin(sample)]
    stats["random_sample"] = {
        "posts": len(in_sample),
        "changed": int((in_sample["label_v1"] != in_sample["label_v2"]).sum()),
        "changed_share": round(float((in_sample["label_v1"] != in_sample["label_v2"]).mean()), 4),
        "cohen_kappa": round(float(cohen_kappa_score(in_sample["label_v1"], in_sample["label_v2"])), 4),
        "changed_among_v1_low_confidence": int(((in_sample["label_v1"] != in_sample["label_v2"]) & (in_sample["confidence_v1"] == "low")).sum()),
        "confusion_v1_rows_v2_cols": {
            "labels": list(LABELS),
            "matrix": confusion_matrix(in_sample["label_v1"], in_sample["label_v2"], labels=list(LABELS)).tolist(),
        },
    }
    differ = m[m["label_v1"] != m["label_v2"]]
    missing = set(differ["id"]) - set(third["id"])
    if missing:
        raise ValueError(f"{len(missing)} old posts whose v2 reading differs from the v1 label have no third reading")
    votes = differ.merge(third[["id", "label", "confidence"]].rename(columns={"label": "label_v3", "confidence": "confidence_v3"}), on="id")
    final = {}
    three_way = []
    for r in votes.itertuples(index=False):
        if r.label_v3 in (r.label_v1, r.label_v2):
            final[r.id] = r.label_v3
        else:
            three_way.append(r.id)
    adj_label = final_adj.set_index("id")["label"] if not final_adj.empty else pd.Series(dtype=str)
    if set(three_way) - set(adj_label.index):
        raise ValueError(f"{len(set(three_way) - set(adj_label.index))} old posts read three different ways need a maintainer's label")
    for i in three_way:
        final[i] = adj_label[i]
    changed = {i: lab for i, lab in final.items() if lab != df.loc[df["id"] == i, "label"].iloc[0]}
    reread = df["id"].isin(set(m["id"]))
    df.loc[reread, "annotation"] = df.loc[reread, "annotation"] + "+reread-v2"
    is_changed = df["id"].isin(changed)
    df.loc[is_changed, "label"] = df.loc[is_changed, "id"].map(changed)
    df.loc[is_changed, "annotation"] = df.loc[is_changed, "annotation"] + "-relabelled"
    df.loc[df["id"].isin(set(differ["id"])), "confidence"] = "low"
    df["election"] = df["election_hint"].where(df["label"] != "non_political", "")
    stats.update(
        reread=len(m),
        reread_differing=len(differ),
        third_reading_sided_with_v1=int((votes["label_v3"] == votes["label_v1"]).sum()),
        third_reading_sided_with_v2=int((votes["label_v3"] == votes["label_v2"]).sum()),
        three_way_adjudicated=len(three_way),
        labels_changed=len(changed),
    )
    return df, stats


def assemble_2024(norm: Normalizer, posts_dir: Path, seen_keys: set[str]) -> tuple[pd.DataFrame, dict]:
    cand = pd.read_csv(HERE / "candidates2024.csv", keep_default_na=False, dtype=str)
    p1 = _read("annotations/v2_pass1/*.csv")
    p2 = _read("annotations/v2_pass2/*.csv")
    adj = _read("annotations/v2_adjudication/adjudicated.csv")
    cons = _read("annotations/v2_adjudication/consistency.csv")
    missing = set(cand["id"]) - set(p1["id"])
    if missing:
        raise ValueError(f"{len(missing)} 2024 candidates have no first-pass label: {sorted(missing)[:5]}")
    not_drawn = sorted(set(p1["id"]) - set(cand["id"]))  # read, but no longer drawn by candidates2024.py
    both, agreement = _agreement(p1, p2)
    disagree = both[both["label_1"] != both["label_2"]]
    if set(disagree["id"]) != set(adj["id"]):
        raise ValueError("every 2024 disagreement needs exactly one adjudicated label")
    agreement.update(
        disagreements_adjudicated=len(adj),
        adjudicated_as_pass1=int((adj["label"] == adj["label_pass1"]).sum()),
        adjudicated_as_pass2=int((adj["label"] == adj["label_pass2"]).sum()),
        read_but_not_drawn=not_drawn,
    )
    per = both.merge(cand[["id", "source", "platform"]], on="id")

    def kappa_by(col: str) -> dict:
        out = {}
        for k, g in per.groupby(col):
            same = float((g["label_1"] == g["label_2"]).mean())
            kappa = cohen_kappa_score(g["label_1"], g["label_2"]) if g["label_1"].nunique() + g["label_2"].nunique() > 2 else float("nan")
            out[str(k)] = {"posts": len(g), "raw_agreement": round(same, 4), "cohen_kappa": None if kappa != kappa else round(float(kappa), 4)}
        return out

    agreement["per_source"] = kappa_by("source")
    agreement["per_platform"] = kappa_by("platform")
    df = cand.merge(p1.drop(columns=["row"]), on="id")
    df["annotation"] = "read-single"
    df.loc[df["id"].isin(set(both["id"])), "annotation"] = "read-double-agreed"
    for table, tag in ((adj, "read-double-adjudicated"), (cons, "read-single-consistency-review")):
        t = table.set_index("id")
        hit = df["id"].isin(t.index)
        df.loc[hit, "label"] = df.loc[hit, "id"].map(t["label"])
        df.loc[hit, "campaign_type"] = df.loc[hit, "id"].map(t["campaign_type"])
        df.loc[hit, "annotation"] = tag
        df.loc[hit, "confidence"] = "low"
    # a pass-2 "low" makes the post low confidence; pass-2's campaign type fills a missing one
    low_second = df["id"].map(both.set_index("id")["confidence_2"]).eq("low")
    df.loc[low_second, "confidence"] = "low"
    df.loc[df["label"] != "campaign", "campaign_type"] = ""

    # per-source texts (joined here only to check duplicates; unlicensed texts are not written)
    texts = df["text"].copy()
    for source, part in df[df["text"] == ""].groupby("source"):
        rows = {}
        with (posts_dir / str(source) / "posts.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                rows[str(r["source_id"])] = r["text"] or ""
        texts[part.index] = [clean_post_text(rows[s]) for s in part["source_id"]]
    keys = pd.Series([near_dup_key(norm, t) for t in texts], index=df.index)
    dup = keys.isin(seen_keys) | keys.duplicated() | (keys.str.len() == 0)
    agreement["near_duplicates_dropped_after_labelling"] = int(dup.sum())
    df = df[~dup].copy()

    df["licence"] = df["source"].map(lambda s: "MIT" if POSTS2024_LICENCES[s] == "MIT" else "none stated: ids, labels and hash only")
    df["election"] = df["source"].map(ELECTION_2024).where(df["label"] != "non_political", "")
    df["split"] = _split(df)
    return df, agreement


def _counts(df: pd.DataFrame, by: list[str]) -> dict:
    out: dict = {}
    for keys, g in df.groupby(by):
        keys = keys if isinstance(keys, tuple) else (keys,)
        node = out
        for k in keys[:-1]:
            node = node.setdefault(str(k), {})
        node[str(keys[-1])] = g["label"].value_counts().to_dict()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=Path, default=ROOT.parents[1].parent / "shared" / "data" / "posts2024")
    args = ap.parse_args()
    norm = Normalizer("transformer")
    v1, agreement_v1 = assemble_v1(norm)
    v1, relabel = relabel_v1(v1)
    v2, agreement_v2 = assemble_2024(norm, args.posts, set(v1["_key"]))
    df = pd.concat([v1, v2], ignore_index=True)
    df["year"] = df["date"].str[:4]
    order = {"train": 0, "dev": 1, "test": 2}
    df = df.sort_values(["split", "id"], key=lambda s: s.map(order) if s.name == "split" else s)
    df[COLUMNS].to_csv(ROOT / "corpus.csv", index=False)

    is24 = df["source"].isin(list(ELECTION_2024))
    new = df[is24]
    camp = new[new["label"] == "campaign"]
    stats = {
        "posts": len(df),
        "posts_2014_2019": int((~is24).sum()),
        "posts_2024": int(is24.sum()),
        "per_label": df["label"].value_counts().to_dict(),
        "per_split_label": {s: g["label"].value_counts().to_dict() for s, g in df.groupby("split")},
        "per_source_label": _counts(df, ["source"]),
        "per_platform_label": _counts(df, ["platform"]),
        "per_year_label_2024": _counts(new, ["year"]),
        "per_source_platform_year_label_2024": _counts(new, ["source", "platform", "year"]),
        "campaign_types_2024": camp["campaign_type"].value_counts().to_dict(),
        "per_confidence": df["confidence"].value_counts().to_dict(),
        "per_annotation": df["annotation"].value_counts().to_dict(),
        "texts_committed_2024": int((new["text"] != "").sum()),
        "agreement": agreement_v1,
        "agreement_2024": agreement_v2,
        "relabel_2014_2019": relabel,
    }
    (ROOT / "stats.json").write_text(json.dumps(stats, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in stats.items() if not k.startswith("per_source")}, indent=2))


if __name__ == "__main__":
    main()

"""Draw the 2024 posts that annotators read, from ../shared/data/posts2024 (corpus v2).

Run from the repository root:
    python data/netral-corpus/build/candidates2024.py --posts ../shared/data/posts2024

Writes ``data/netral-corpus/build/candidates2024.csv`` (committed: ids, source, platform, date,
the SHA-256 of the verbatim text, and the text itself only for the MIT-licensed sources) and the
reading chunks (texts included, never committed) under ``build/chunks/``:

- ``v2_pass1_NN.csv``: every candidate, in chunks of about 500 posts, sources interleaved;
- ``v2_pass2_NN.csv``: 1,000 candidates, about the same number from every source, for a second,
  independent reading;
- ``v2_old_relabel.csv``: 500 random posts of the 2014-2019 corpus, to be read again under the
  2024 guidelines without their old label.

Sampling decides only *which* posts are read, never a label. Per source a fixed quota is drawn at
random (seed below); empty posts, bare time stamps and one-word comments are skipped unless the
word is a cheer (a ballot number, an emoji, a hashtag or a contestant's name); exact and near
duplicates (same words after removing mentions, links and punctuation, or word-trigram Jaccard
0.6 or more with a post already drawn) are skipped, across sources too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from pathlib import Path

import pandas as pd

from netral_nlp.data import POSTS2024_LICENCES, clean_post_text, text_sha256

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = 2024
CHUNK = 500
PASS2_SIZE = 1000
OLD_RELABEL = 500

#: Posts drawn per source: every source 200 or more (or all it has), none above 20% of the total;
#: sized from the hand estimates of each source's mix (posts2024 README) so that each class,
#: the Pilkada posts and each platform reach the corpus v2 minimums with a margin.
QUOTA = {
    "ghazafm_pilpres2024_twitter": 800,
    "achmaddhani_prabowogibran_twitter": 800,
    "rizano26_pemilu2024_twitter": 800,
    "luthfilkhairi_politik_twitter": 700,
    "ndtsaniyah_debatcapres_youtube": 1300,
    "larassetyadita_pilgubjakarta_twitter": 876,
    "rahmaputri_pilkadajatim_twitter": 1100,
    "salatid_pilkadabanten_youtube": 900,
    "andihisyam_pilkada2024_twitter": 291,
    "davidkristian_mbg_twitter": 1000,
    "tippoart_gerindra_tiktok": 1650,
    "atrkhomeini_coffeeshop_twitter": 250,
    "andihisyam_jkt48_twitter": 250,
    "fahrihilm_timnas_youtube": 450,
}

#: What a reader is told about where a post was collected (a supervisor knows this of a scrape).
CONTEXT = {
    "ghazafm_pilpres2024_twitter": "X/Twitter, May 2023 - Feb 2024, tweets about the 2024 presidential race",
    "achmaddhani_prabowogibran_twitter": "X/Twitter, Nov - Dec 2023, tweets mentioning Prabowo-Gibran",
    "rizano26_pemilu2024_twitter": "X/Twitter, Sep 2023, tweets with #Pemilu2024",
    "luthfilkhairi_politik_twitter": "X/Twitter, 2023 - 2024, tweets on candidates, leadership, corruption",
    "ndtsaniyah_debatcapres_youtube": "YouTube comment under a broadcast of a 2024 presidential/vice-presidential debate",
    "larassetyadita_pilgubjakarta_twitter": "X/Twitter, Oct 2024, tweets on the Jakarta governor election (Pilkada DKI 2024)",
    "rahmaputri_pilkadajatim_twitter": "X/Twitter, 2024, tweets on the East Java governor election (Pilkada Jatim 2024)",
    "salatid_pilkadabanten_youtube": "YouTube comment under a Banten governor election debate video (Aug - Nov 2024)",
    "andihisyam_pilkada2024_twitter": "X/Twitter, Jun 2024, tweets on the 2024 regional elections (before nominations)",
    "davidkristian_mbg_twitter": "X/Twitter, Jun 2024 - Mar 2025, tweets on the free-meals programme",
    "tippoart_gerindra_tiktok": "TikTok comment on a political party's account, 2025 (after the inauguration)",
    "atrkhomeini_coffeeshop_twitter": "X/Twitter, 2024, tweets on coffee-shop chains",
    "andihisyam_jkt48_twitter": "X/Twitter, 2023 - 2024, idol-group fandom tweets",
    "fahrihilm_timnas_youtube": "YouTube comment on national football team videos, 2023 - 2025",
}

#: Periods of the sources without dates (from their content and video titles).
PERIOD = {
    "rahmaputri_pilkadajatim_twitter": "2024",
    "salatid_pilkadabanten_youtube": "2024-08/2024-11",
    "tippoart_gerindra_tiktok": "2025",
}

#: A one-word post is read only when it can be a cheer.
CHEER_WORD = re.compile(
    r"^#|^\W*\d{1,2}\W*$|[\U0001F300-\U0001FAFF\u2600-\u27BF]|"
    r"^\W*(amin|anies|prabowo|gibran|ganjar|mahfud|imin|cakimin|pragib|gemoy|rido|pramdoel|airin|andra|"
    r"khofifah|risma|luluk|jokowi|gerindra|pdip|pks|nasdem|golkar|pkb|perindo|psi|menang|lanjutkan|perubahan)\W*$",
    re.I,
)


def dedup_key(text: str) -> str:
    t = text.lower()
    t = re.sub(r"https?://\S+|@\w+|\brt\b", " ", t)
    t = re.sub(r"[^0-9a-z]+", " ", t)
    return " ".join(t.split())


def stable_id(source: str, source_id: str) -> str:
    return hashlib.sha1(f"{source}:{source_id}".encode()).hexdigest()[:12]


def worth_reading(text: str) -> bool:
    if not re.search(r"[^\W\d_]{2}", text) and not CHEER_WORD.search(text):
        return False  # empty, punctuation, a bare time stamp
    words = text.split()
    return len(words) > 1 or bool(CHEER_WORD.search(words[0]))


class NearDuplicates:
    """Exact keys plus word-trigram Jaccard against every post already accepted."""

    def __init__(self, threshold: float = 0.6) -> None:
        self.threshold = threshold
        self.keys: set[str] = set()
        self.index: dict[tuple[str, ...], list[int]] = {}
        self.shingles: list[set[tuple[str, ...]]] = []

    def add_if_new(self, text: str) -> bool:
        key = dedup_key(text)
        if not key or key in self.keys:
            return False
        words = key.split()
        sh = {tuple(words[i : i + 3]) for i in range(len(words) - 2)}
        if sh:
            counts: dict[int, int] = {}
            for s in sh:
                for j in self.index.get(s, ()):
                    counts[j] = counts.get(j, 0) + 1
            for j, inter in counts.items():
                if inter / len(sh | self.shingles[j]) >= self.threshold:
                    return False
        self.keys.add(key)
        k = len(self.shingles)
        self.shingles.append(sh)
        for s in sh:
            self.index.setdefault(s, []).append(k)
        return True


def draw(posts_dir: Path) -> pd.DataFrame:
    rng = random.Random(SEED)
    seen = NearDuplicates()
    out = []
    for source, quota in QUOTA.items():
        rows = [json.loads(line) for line in (posts_dir / source / "posts.jsonl").open(encoding="utf-8")]
        rng.shuffle(rows)
        taken = 0
        for r in rows:
            if taken >= quota:
                break
            raw = r["text"] or ""
            text = clean_post_text(raw)
            if not worth_reading(text) or not seen.add_if_new(text):
                continue
            taken += 1
            out.append(
                {
                    "id": stable_id(source, r["source_id"]),
                    "source": source,
                    "source_id": r["source_id"],
                    "platform": r["platform"],
                    "date": (r.get("date") or "")[:10] or PERIOD.get(source, ""),
                    "text_sha256": text_sha256(raw),
                    "text": text,
                }
            )
        print(f"{source}: {taken} of {len(rows)} (quota {quota})")
    df = pd.DataFrame(out)
    if not df["id"].is_unique:
        raise ValueError("stable ids collide")
    return df


def write_chunks(cand: pd.DataFrame, old_corpus: pd.DataFrame) -> None:
    out = HERE / "chunks"
    out.mkdir(exist_ok=True)
    shown = cand.assign(context=cand["source"].map(CONTEXT))[["id", "context", "date", "text"]]
    order = cand.sample(frac=1.0, random_state=SEED).index
    shown = shown.loc[order].reset_index(drop=True)
    n_chunks = -(-len(shown) // CHUNK)
    for k in range(n_chunks):
        shown.iloc[k::n_chunks].to_csv(out / f"v2_pass1_{k:02d}.csv", index=False)
    # Second pass: about the same number of posts from every source (kappa per source needs it).
    per_source = PASS2_SIZE // cand["source"].nunique() + 1
    p2 = cand.groupby("source", group_keys=False).apply(lambda g: g.sample(n=min(per_source, len(g)), random_state=SEED))
    p2 = p2.sample(n=min(PASS2_SIZE, len(p2)), random_state=SEED)
    p2 = shown.set_index("id").loc[p2["id"]].reset_index()
    half = len(p2) // 2
    p2.iloc[:half].to_csv(out / "v2_pass2_00.csv", index=False)
    p2.iloc[half:].to_csv(out / "v2_pass2_01.csv", index=False)
    old = old_corpus.sample(n=OLD_RELABEL, random_state=SEED)[["id", "text"]]
    old.to_csv(out / "v2_old_relabel.csv", index=False)
    print(f"{n_chunks} pass1 chunks; {len(p2)} pass2 posts; {len(old)} old posts to relabel")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=Path, default=ROOT.parents[1].parent / "shared" / "data" / "posts2024")
    ap.add_argument("--no-chunks", action="store_true", help="only write candidates2024.csv")
    args = ap.parse_args()
    cand = draw(args.posts)
    committed = cand.copy()
    committed.loc[~committed["source"].map(POSTS2024_LICENCES).eq("MIT"), "text"] = ""
    committed.to_csv(HERE / "candidates2024.csv", index=False)
    print(f"{len(cand)} candidates; texts kept for {int((committed['text'] != '').sum())} (MIT sources)")
    if not args.no_chunks:
        old = pd.read_csv(ROOT / "corpus.csv", dtype=str, keep_default_na=False)
        old = old[~old["source"].isin(list(QUOTA))]
        write_chunks(cand, old)


if __name__ == "__main__":
    main()

"""Build the shipped fast model, models/netral-fast, by distilling the default transformer.

Run from the repository root, after build_default.py (about 40 minutes on 2 CPU cores, most of
it the teacher reading 190k posts):
    python models/build/build_fast.py --teacher models/netral-e5-small --out models/netral-fast

The teacher's calibrated probabilities on the unlabelled posts of posts2024 (every post but the
corpus's dev and test posts, exact duplicates once) and on the corpus train split are the
targets; the gold labels of the train split are added with a smaller weight; the dev split
calibrates the temperature. See netral_nlp.training.distill.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np

from netral_nlp.data import clean_post_text, load_corpus, posts2024_path
from netral_nlp.models import load_model
from netral_nlp.training.distill import DistillArguments, distill_static


def unlabelled_posts(held_out: set[tuple[str, str]]) -> list[str]:
    """Every posts2024 text except the corpus's dev/test posts, exact duplicates once."""
    seen: dict[str, None] = {}
    for f in sorted(posts2024_path().glob("*/posts.jsonl")):
        source = f.parent.name
        with f.open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if (source, str(row["source_id"])) in held_out:
                    continue
                text = clean_post_text(row["text"] or "")
                if text:
                    seen.setdefault(text, None)
    return list(seen)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--teacher", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--cache", type=Path, default=Path("runs/teacher_proba.npz"), help="teacher probabilities, reused if present")
    ap.add_argument("--args", type=str, default="{}", help="DistillArguments as JSON")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    corpus = load_corpus(as_pandas=True)
    held = corpus[corpus["split"] != "train"]
    unlabelled = unlabelled_posts(set(zip(held["source"], held["source_id"], strict=True)))
    train = corpus[corpus["split"] == "train"]
    dev = corpus[corpus["split"] == "dev"]
    texts = [*unlabelled, *train["text"]]
    teacher = load_model(a.teacher)
    if a.cache.is_file() and np.load(a.cache)["n"] == len(texts):
        proba = np.load(a.cache)["proba"]
    else:
        start = time.time()
        proba = teacher.predict_proba(texts, show_progress=True)
        logging.info("teacher: %d posts in %.0f s", len(texts), time.time() - start)
        a.cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(a.cache, proba=proba, n=len(texts))
    args = DistillArguments(**json.loads(a.args))
    fast = distill_static(
        teacher,  # type: ignore[arg-type]
        unlabelled,
        train=(train["text"].tolist(), train["label"].tolist()),
        dev=(dev["text"].tolist(), dev["label"].tolist()),
        args=args,
        teacher_proba=proba,
        show_progress=True,
    )
    fast.metadata["name"] = a.out.name
    fast.save_pretrained(a.out)
    logging.info("saved %s", a.out)


if __name__ == "__main__":
    main()

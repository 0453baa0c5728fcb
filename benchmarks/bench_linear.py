"""Speed of the shipped linear model, end to end (normalise + predict), on one core.

Input: the corpus texts (6.5k real posts) resampled to N posts. Baseline for the ratio: the
same model's predict_proba on texts that are already normalised (the normaliser's share), so
the table shows where the time goes. Also prints the model folder size.
Run: OMP_NUM_THREADS=1 python benchmarks/bench_linear.py --n 20000
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from netral_nlp.data import load_corpus
from netral_nlp.models import DEFAULT_MODEL_DIR, load_model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    n = ap.parse_args().n
    texts = load_corpus(as_pandas=True)["text"].tolist()
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in rng.integers(0, len(texts), n)]
    model = load_model()
    model.predict_proba(sample[:200])  # warm lexicons and caches

    t0 = time.perf_counter()
    proba = model.predict_proba(sample)
    end_to_end = n / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    normalized = model.normalize(sample)
    normalize_only = n / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    model._logits(normalized)
    predict_only = n / (time.perf_counter() - t0)

    size = sum(f.stat().st_size for f in Path(DEFAULT_MODEL_DIR).iterdir())
    res = {
        "posts": n,
        "end_to_end_posts_per_s": round(end_to_end),
        "normalize_only_posts_per_s": round(normalize_only),
        "predict_only_posts_per_s": round(predict_only),
        "model_folder_mb": round(size / 1e6, 2),
        "rows_predicted": int(proba.shape[0]),
    }
    print(json.dumps(res, indent=2))
    Path("benchmarks/out").mkdir(parents=True, exist_ok=True)
    Path("benchmarks/out/linear.json").write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()

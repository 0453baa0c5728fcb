"""Speed of a shipped model (the fast or the linear one), end to end (normalise + predict), on one core.

Input: the corpus texts (17.7k real posts) resampled to N posts. The normalise-only and
predict-only figures show where the time goes. Also prints the model folder size.
Run: OMP_NUM_THREADS=1 RAYON_NUM_THREADS=1 taskset -c 0 python benchmarks/bench_one_core.py --model fast --n 20000
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("RAYON_NUM_THREADS", "1")  # the tokenizers library's thread pool

import numpy as np

from netral_nlp.data import load_corpus
from netral_nlp.models import load_model, resolve_model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--model", default="fast", help="shipped name or model folder")
    a = ap.parse_args()
    n = a.n
    texts = load_corpus(as_pandas=True)["text"].tolist()
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in rng.integers(0, len(texts), n)]
    t0 = time.perf_counter()
    model = load_model(a.model)
    load_seconds = time.perf_counter() - t0
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

    folder = Path(resolve_model(a.model)[1])
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    res = {
        "model": a.model,
        "load_seconds": round(load_seconds, 2),
        "posts": n,
        "end_to_end_posts_per_s": round(end_to_end),
        "normalize_only_posts_per_s": round(normalize_only),
        "predict_only_posts_per_s": round(predict_only),
        "model_folder_mb": round(size / 1e6, 2),
        "rows_predicted": int(proba.shape[0]),
    }
    print(json.dumps(res, indent=2))
    Path("benchmarks/out").mkdir(parents=True, exist_ok=True)
    Path(f"benchmarks/out/one_core_{folder.name}.json").write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()

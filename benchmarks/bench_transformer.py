"""Speed of TransformerClassifier.predict_proba against ``transformers.pipeline`` on the same model.

Same weights (the pipeline is handed our very fp32 model and tokenizer objects), same threads
(``torch.set_num_threads(N)`` once, for both; ONNX Runtime gets N intra-op threads), same batch
size and truncation length, the same N real corpus posts. The pipeline gets the posts already
normalised (what our model sees), so its figure leaves out the normaliser; ours is end to end from
the raw posts (normalise + tokenise + length-sorted, dynamically padded batches) at the model's
own inference precision (``int8``: the ONNX graph) and at fp32, plus a model-only figure. Labels
are compared by argmax.

--model is a shipped name (``default``) or a model folder; ``--model tiny`` builds a tiny BERT
(2 layers, 64 wide, as in the tests) and fine-tunes it for two epochs first.

Run:
    python benchmarks/bench_transformer.py --model default --threads 2 --n 2000 --repeats 3
Adds its figures to benchmarks/out/transformer.json (or --out), under "<model>/threads=N".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from netral_nlp.data import load_corpus
from netral_nlp.models.base import softmax
from netral_nlp.models.tiny import build_tiny_bert
from netral_nlp.models.transformer import TransformerClassifier


def tiny_fine_tuned(folder: Path, batch_size: int, max_length: int) -> Path:
    from netral_nlp.training import TrainingArguments, train

    base = build_tiny_bert(folder / "encoder")
    args = TrainingArguments(
        model=str(base), epochs=2, max_train_samples=800, batch_size=32, max_length=max_length, learning_rate=2e-3, campaign_precision=None
    )
    model, _ = train("corpus", args, show_progress=False)
    model.batch_size = batch_size
    model.save_pretrained(folder / "model")
    return folder / "model"


def timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description="TransformerClassifier vs transformers.pipeline, posts/s")
    ap.add_argument("--model", default="default", help="shipped name or model folder; `tiny` builds and fine-tunes a tiny BERT")
    ap.add_argument("--n", type=int, default=2000, help="real corpus posts to classify")
    ap.add_argument("--threads", type=int, default=None, help="torch threads for both (default: torch's default)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of each; the median is reported")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/out/transformer.json"))
    a = ap.parse_args()

    if a.threads:
        torch.set_num_threads(a.threads)
    threads = torch.get_num_threads()
    from transformers import pipeline

    from netral_nlp.models import load_model

    with tempfile.TemporaryDirectory() as tmp:
        loaded = load_model(tiny_fine_tuned(Path(tmp), a.batch_size, a.max_length) if a.model == "tiny" else a.model)
    if not isinstance(loaded, TransformerClassifier):
        raise SystemExit(f"{a.model} is a {loaded.kind} model, not a transformer")
    clf = loaded
    clf.batch_size, clf.max_length = a.batch_size, a.max_length
    own_precision = clf.precision
    corpus = load_corpus(as_pandas=True)
    texts = corpus["text"].sample(n=min(a.n, len(corpus)), random_state=0).tolist()
    normalized = clf.normalize(texts)
    pipe = pipeline("text-classification", model=clf.model, tokenizer=clf.tokenizer, device=torch.device("cpu"))

    def run_pipeline(batch: list[str]) -> list[Any]:
        return pipe(batch, batch_size=a.batch_size, truncation=True, max_length=clf.max_length, top_k=None)

    def ours_at(precision: str) -> Any:
        def run() -> Any:
            clf.precision = precision
            return clf.predict_proba(texts)

        return run

    def model_only() -> Any:
        clf.precision = own_precision
        return clf._logits(normalized)

    # warm-up: allocator, kernels, lexicon caches, the ONNX session
    run_pipeline(normalized[:64])
    for p in (own_precision, "fp32"):
        clf.precision = p
        clf.predict_proba(texts[:64])

    t_pipe: list[float] = []
    t_ours: list[float] = []
    t_fp32: list[float] = []
    t_model: list[float] = []
    for r in range(a.repeats):  # interleaved, order alternating, so that a busy machine hurts all alike
        steps = [
            ("pipe", lambda: run_pipeline(normalized)),
            ("ours", ours_at(own_precision)),
            ("fp32", ours_at("fp32")),
            ("model", model_only),
        ]
        for name, fn in steps if r % 2 == 0 else steps[::-1]:
            dt, result = timed(fn)
            if name == "pipe":
                t_pipe.append(dt)
                pipe_out = result
            elif name == "ours":
                t_ours.append(dt)
                ours = result
            elif name == "fp32":
                t_fp32.append(dt)
                ours_fp32 = result
            else:
                t_model.append(dt)
                logits = result

    label_index = {lab: i for i, lab in enumerate(clf.labels)}
    pipe_proba = np.zeros((len(texts), len(clf.labels)))
    for row, scores in enumerate(pipe_out):
        for s in scores:
            pipe_proba[row, label_index[s["label"]]] = s["score"]
    agree = float((pipe_proba.argmax(1) == ours.argmax(1)).mean())
    agree_fp32 = float((ours_fp32.argmax(1) == ours.argmax(1)).mean())
    max_diff = float(np.abs(softmax(logits) - pipe_proba).max())
    lengths = [len(x) for x in clf.tokenizer(normalized, truncation=True, max_length=clf.max_length)["input_ids"]]

    n = len(texts)
    res = {
        "model": a.model if a.model != "tiny" else "tiny BERT (2x64, built and fine-tuned by this script)",
        "precision": own_precision,
        "parameters_millions": round(sum(p.numel() for p in clf.model.parameters()) / 1e6, 2),
        "posts": n,
        "tokens_mean": round(float(np.mean(lengths)), 1),
        "tokens_max": int(max(lengths)),
        "threads": threads,
        "batch_size": a.batch_size,
        "max_length": clf.max_length,
        "repeats": a.repeats,
        "pipeline_posts_per_s": round(n / statistics.median(t_pipe), 1),
        "ours_end_to_end_posts_per_s": round(n / statistics.median(t_ours), 1),
        "ours_fp32_end_to_end_posts_per_s": round(n / statistics.median(t_fp32), 1),
        "ours_model_only_posts_per_s": round(n / statistics.median(t_model), 1),
        "ratio_end_to_end": round(statistics.median(t_pipe) / statistics.median(t_ours), 2),
        "ratio_model_only": round(statistics.median(t_pipe) / statistics.median(t_model), 2),
        "ratio_end_to_end_best_of": round(min(t_pipe) / min(t_ours), 2),
        "ratio_model_only_best_of": round(min(t_pipe) / min(t_model), 2),
        "label_agreement_with_pipeline_pct": round(100 * agree, 2),
        "label_agreement_with_own_fp32_pct": round(100 * agree_fp32, 2),
        "max_abs_probability_diff": max_diff,
        "seconds": {"pipeline": t_pipe, "ours_end_to_end": t_ours, "ours_fp32": t_fp32, "ours_model_only": t_model},
        "torch": torch.__version__,
        "transformers": __import__("transformers").__version__,
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(res, indent=2))
    print(
        f"ours ({own_precision}) {res['ours_end_to_end_posts_per_s']} posts/s vs pipeline {res['pipeline_posts_per_s']} posts/s: "
        f"{res['ratio_end_to_end']}x; labels as the pipeline on {res['label_agreement_with_pipeline_pct']}%, as our fp32 on {res['label_agreement_with_own_fp32_pct']}%"
    )
    # one file for every model benchmarked: each run replaces its own entry
    key = Path(a.model).name
    runs = json.loads(a.out.read_text()).get("runs", {}) if a.out.exists() else {}
    runs[f"{key}/threads={threads}"] = res
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({"runs": runs}, indent=2) + "\n")


if __name__ == "__main__":
    main()

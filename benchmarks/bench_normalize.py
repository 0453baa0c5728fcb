"""Normaliser throughput on real posts, on one core, against plain Sastrawi.

Measures, in one run, on the first 5,000 posts of ibrohim2019_hs ``re_dataset.csv`` (read as
latin-1, as that dataset needs):

(a) the baseline: Sastrawi's ``StemmerFactory().create_stemmer().stem(text.lower())`` on each post
    (a fresh stemmer; Sastrawi's own word cache, nothing added);
(b) ``Normalizer("linear", stem=True)``, a fresh instance, so that its stem cache starts empty;
(c) ``Normalizer("transformer")``, a fresh instance;

the ratio (b)/(a), and a stem-equality check: for every distinct unprotected word the linear
preset hands to the stemmer, ``CachedStemmer().stem_word(w) == baseline_stemmer.stem(w)``.

The process is pinned to one CPU and BLAS/OpenMP pools to one thread. Caches that live for the
whole process (hashtag segments, emoji names) are cleared before each timed run, so each run
starts cold; lexicons are loaded before timing (they load once per process). Timings are wall
clock and CPU time; on a shared machine the CPU figure is the steadier one.

Run from the repository root::

    python benchmarks/bench_normalize.py            # prints a Markdown table
    python benchmarks/bench_normalize.py --profile  # and the top of a cProfile of (c)

Writes ``benchmarks/out/normalize.json`` (git-ignored). Sastrawi alone stems only a few posts a
second, so a full run takes about 20 minutes; ``--baseline-posts 500`` times (a) on fewer posts.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime
import gc
import importlib
import io
import json
import os
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / ".." / "shared" / "data" / "ibrohim2019_hs" / "re_dataset.csv"
OUT = REPO / "benchmarks" / "out" / "normalize.json"


def _pin_to_one_cpu() -> int | None:
    # One thread for any BLAS/OpenMP pool (set before netral_nlp and Sastrawi are imported) ...
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        os.environ[var] = "1"
    # ... and one CPU for the process.
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def _load_posts(path: Path, n: int) -> list[str]:
    with open(path, encoding="latin-1", newline="") as fh:
        posts = [row["Tweet"] for row in csv.DictReader(fh)]
    if len(posts) < n:
        raise SystemExit(f"{path}: only {len(posts)} posts, {n} asked for")
    return posts[:n]


def _clear_process_caches() -> None:
    normalize_module = importlib.import_module("netral_nlp.text.normalize")
    hashtags_module = importlib.import_module("netral_nlp.text.hashtags")
    for cached in (getattr(normalize_module, "_demojize", None), getattr(hashtags_module, "_segment", None)):
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()


def _time(make: Callable[[], Callable[[str], object]], posts: list[str], repeat: int) -> dict[str, float]:
    """posts/s of ``make()`` (built fresh for each run, not timed) over ``posts``; best and median."""
    wall, cpu = [], []
    for _ in range(repeat):
        _clear_process_caches()
        fn = make()
        gc.collect()
        gc.disable()
        w0, c0 = time.perf_counter(), time.process_time()
        for post in posts:
            fn(post)
        w1, c1 = time.perf_counter(), time.process_time()
        gc.enable()
        wall.append(len(posts) / (w1 - w0))
        cpu.append(len(posts) / max(c1 - c0, 1e-9))
    return {
        "posts_per_s_wall": max(wall),
        "posts_per_s_cpu": max(cpu),
        "posts_per_s_wall_median": statistics.median(wall),
        "posts_per_s_cpu_median": statistics.median(cpu),
        "runs": repeat,
    }


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="ibrohim2019_hs re_dataset.csv")
    parser.add_argument("-n", "--posts", type=int, default=5000, help="number of posts (the first N rows)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of (b) and (c); the best counts")
    parser.add_argument("--repeat-baseline", type=int, default=1, help="runs of (a), which is slow")
    parser.add_argument(
        "--baseline-posts", type=int, default=None, help="time (a) on the first N posts only (default: all; about 20 minutes for 5,000)"
    )
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of (c)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    if not args.data.is_file():
        raise SystemExit(f"data not found: {args.data} (the shared data folder sits beside the repository)")
    cpu = _pin_to_one_cpu()
    posts = _load_posts(args.data, args.posts)

    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    from netral_nlp.text import CachedStemmer, Normalizer

    # Load the lexicons and Sastrawi's dictionary once, outside the timings.
    Normalizer("linear", stem=True)("memuat kamus")
    Normalizer("transformer")("memuat")
    StemmerFactory().create_stemmer()

    baseline_stemmers: list[object] = []

    def make_baseline() -> Callable[[str], object]:
        stemmer = StemmerFactory().create_stemmer()
        baseline_stemmers.append(stemmer)
        return lambda text: stemmer.stem(text.lower())

    results: dict[str, dict[str, float]] = {}
    print(f"(a) Sastrawi baseline on {len(posts[: args.baseline_posts])} posts (slow) ...", file=sys.stderr, flush=True)
    results["a_sastrawi_baseline"] = _time(make_baseline, posts[: args.baseline_posts], args.repeat_baseline)
    results["a_sastrawi_baseline"]["posts"] = len(posts[: args.baseline_posts])
    print("(b) Normalizer('linear', stem=True) ...", file=sys.stderr, flush=True)
    results["b_linear_stem"] = _time(lambda: Normalizer("linear", stem=True), posts, args.repeat)
    print("(c) Normalizer('transformer') ...", file=sys.stderr, flush=True)
    results["c_transformer"] = _time(lambda: Normalizer("transformer"), posts, args.repeat)

    # Stem equality over every distinct unprotected word the linear preset hands to the stemmer.
    print("stem equality ...", file=sys.stderr, flush=True)
    plain = Normalizer("linear")  # the tokens the stemmer sees: slang replaced, stopwords dropped
    checker = CachedStemmer()
    words = sorted({tok for post in posts for tok in plain(post).split() if tok[0].islower() and tok.replace("-", "").isalpha()})
    unprotected = [w for w in words if w not in checker.protected]
    baseline = baseline_stemmers[-1]
    differ = [w for w in unprotected if checker.stem_word(w) != baseline.stem(w)]  # type: ignore[attr-defined]
    equality = {
        "distinct_words": len(words),
        "unprotected_words": len(unprotected),
        "equal": len(unprotected) - len(differ),
        "share_equal": (len(unprotected) - len(differ)) / max(len(unprotected), 1),
        "differ_examples": [[w, checker.stem_word(w), baseline.stem(w)] for w in differ[:20]],  # type: ignore[attr-defined]
        "protected_words_seen": len(words) - len(unprotected),
    }

    a, b, c = (results[k] for k in ("a_sastrawi_baseline", "b_linear_stem", "c_transformer"))
    report = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "data": {"file": str(args.data.resolve()), "posts": len(posts), "rows": f"first {len(posts)}", "encoding": "latin-1"},
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "pinned_cpu": cpu,
            "cpus_online": os.cpu_count(),
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        },
        "versions": {name: _version(name) for name in ("netral-nlp", "Sastrawi", "ftfy", "emoji")},
        "results": results,
        "ratio_b_over_a": {"wall": b["posts_per_s_wall"] / a["posts_per_s_wall"], "cpu": b["posts_per_s_cpu"] / a["posts_per_s_cpu"]},
        "stem_equality": equality,
    }

    rows = [
        ("(a) Sastrawi `stem(text.lower())`, fresh stemmer", a),
        ("(b) `Normalizer('linear', stem=True)`, fresh", b),
        ("(c) `Normalizer('transformer')`, fresh", c),
    ]
    table = io.StringIO()
    table.write(f"Normaliser throughput, {len(posts)} real posts (ibrohim2019_hs, first rows), one core (CPU {cpu})\n\n")
    table.write("| measure | posts/s (wall) | posts/s (CPU) | runs |\n|---|---:|---:|---:|\n")
    for name, r in rows:
        table.write(f"| {name} | {r['posts_per_s_wall']:,.1f} | {r['posts_per_s_cpu']:,.1f} | {r['runs']:.0f} |\n")
    ratio = report["ratio_b_over_a"]
    table.write(f"| ratio (b)/(a) | {ratio['wall']:,.1f}x | {ratio['cpu']:,.1f}x | |\n")
    table.write(
        f"| stem equality: CachedStemmer vs Sastrawi, distinct unprotected words | "
        f"{equality['equal']:,}/{equality['unprotected_words']:,} = {equality['share_equal']:.2%} | | |\n"
    )
    print(table.getvalue())
    if differ:
        print("words whose stems differ (word, CachedStemmer, Sastrawi):", equality["differ_examples"])

    if args.profile:
        _clear_process_caches()
        n = Normalizer("transformer")
        profiler = cProfile.Profile()
        profiler.enable()
        for post in posts:
            n(post)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return report


if __name__ == "__main__":
    main()

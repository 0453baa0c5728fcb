"""Batch inference over a file of real posts: posts/s end to end and peak memory.

Input: the corpus texts (17.7k real posts, all splits) resampled with replacement to N rows,
written as JSONL (``id``, ``text``, ``source``); with ``--distinct`` every row's text is made
unique (a row number appended as a last word), so that no cache can help. ``--model`` picks the
model (default: the shipped default; ``fast`` for millions of posts). Configurations, each run in
its own process:

``naive``
    The baseline: ``pandas.read_json`` of the whole file, ``model.predict_proba`` on the whole
    list, labels, and ``DataFrame.to_json`` of id, label and probabilities (no contestants).
``stream-w1`` / ``stream-w2``
    ``netral_nlp.batch.predict_file`` with 1 and 2 workers, defaults (the repeated-text cache on:
    a resampled corpus repeats every post about N/6,500 times, so this mostly measures the cache).
``stream-w1-nocache`` / ``stream-w2-nocache``
    The same with ``cache_size=0``: every row normalised and classified, the model-bound figure.

Posts/s is rows / wall time inside the measured process, from before the model is loaded to
after the output is closed (model loading and worker start-up included). Peak memory is sampled
every 50 ms over the process and all its descendants (worker processes included): ``peak_rss_mb``
sums their RSS (pages shared between processes, such as the modules the forkserver preloads,
are counted in each: an upper bound), ``peak_pss_mb`` their PSS (shared pages divided among their
users: what the tree really holds). ``getrusage(RUSAGE_CHILDREN)`` is not used: it gives the
largest single process, and workers started by a forkserver are not waited for by the process
that measures, so they would not be counted. The machine's load average is recorded next to each
run: on a shared machine, other processes slow the runs down, and with the kernel's autogroup
scheduling a process tree gets one session's share of the CPUs however many processes it has.
So the CPU time of each process is sampled too, and ``posts_per_s_dedicated`` = rows /
max(CPU seconds of the busiest process, CPU seconds of the tree / cores): the rate the run reaches
on this many cores when nothing else runs (an estimate: it ignores waits between processes).

Run: python benchmarks/bench_batch.py --model fast --distinct --sizes 100000,1000000 --configs stream-w2-nocache
     python benchmarks/bench_batch.py --sizes 100000 --configs naive,stream-w2-nocache
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

CONFIGS = ("naive", "stream-w1", "stream-w2", "stream-w1-nocache", "stream-w2-nocache")
SEED = 0


def build_input(n: int, workdir: Path, *, distinct: bool = False) -> Path:
    """``n`` real posts resampled from the corpus (kept between runs: same seed, same file);
    ``distinct``: each text gets its row number as a last word, so no two rows are the same."""
    path = workdir / f"posts-{n}{'-distinct' if distinct else ''}.jsonl"
    if path.exists():
        return path
    import numpy as np

    from netral_nlp.data import load_corpus

    corpus = load_corpus(as_pandas=True)
    texts, sources = corpus["text"].tolist(), corpus["source"].tolist()
    picks = np.random.default_rng(SEED).integers(0, len(texts), n)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for i, k in enumerate(picks.tolist()):
            text = f"{texts[k]} r{i}" if distinct else texts[k]
            fh.write(json.dumps({"id": f"p{i}", "text": text, "source": sources[k]}, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


# --- the measured process ----------------------------------------------------------------------
def run_config(config: str, src: Path, out: Path, model_name: str) -> dict[str, object]:
    start = time.perf_counter()
    if config == "naive":
        import pandas as pd

        from netral_nlp.models import load_model
        from netral_nlp.models.base import decide

        model = load_model(model_name)
        df = pd.read_json(src, lines=True, dtype={"id": str})
        proba = model.predict_proba(df["text"].tolist())
        result = pd.DataFrame(proba, columns=[f"p_{label}" for label in model.labels])
        result.insert(0, "label", [model.labels[i] for i in decide(proba, model.labels, model.campaign_threshold)])
        result.insert(0, "id", df["id"].to_numpy())
        result.to_json(out, orient="records", lines=True, force_ascii=False)
        rows = len(result)
    else:
        from netral_nlp.batch import DEFAULT_CACHE_SIZE, predict_file

        workers = 2 if "-w2" in config else 1
        cache = 0 if config.endswith("nocache") else DEFAULT_CACHE_SIZE
        summary = predict_file(src, out, model=model_name, workers=workers, cache_size=cache, force=True, show_progress=False)
        rows = summary.rows_written
    seconds = time.perf_counter() - start
    return {"rows": rows, "seconds": round(seconds, 2), "posts_per_s": round(rows / seconds)}


# --- memory of a process tree --------------------------------------------------------------------
def _tree_sample(root: int) -> tuple[int, int, dict[int, float]]:
    """``(rss, pss, cpu)`` of ``root`` and its descendants: memory in KiB, CPU seconds (user +
    system) so far per process (Linux /proc; empty elsewhere)."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for d in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                parents[int(d)] = int(fields[1])
                ticks[int(d)] = int(fields[11]) + int(fields[12])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root}, {root}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - tree
        tree |= frontier
    rss = pss = 0
    for p in tree:
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except (OSError, ValueError):
            continue
    hz = os.sysconf("SC_CLK_TCK")
    return rss, pss, {p: ticks[p] / hz for p in tree if p in ticks}


def measure(config: str, src: Path, out: Path, cores: int, model_name: str) -> dict[str, object]:
    """Run one configuration in a child process; sample its tree's RSS meanwhile."""
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", config, "--input", str(src), "--output", str(out), "--model", model_name],
        stdout=subprocess.PIPE,
        text=True,
    )
    peak_rss = peak_pss = 0
    cpu: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        while not stop.is_set():
            rss, pss, seconds = _tree_sample(proc.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            for p, sec in seconds.items():
                cpu[p] = max(cpu.get(p, 0.0), sec)
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{config} failed with exit code {proc.returncode}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["peak_rss_mb"] = round(peak_rss / 1024)
    result["peak_pss_mb"] = round(peak_pss / 1024)
    # On a shared machine the wall time depends on what else runs: the CPU seconds say what the
    # run needs (model loading included) and give the rate on `cores` dedicated cores.
    total, busiest = sum(cpu.values()), max(cpu.values(), default=0.0)
    result["cpu_s_total"] = round(total, 1)
    result["cpu_s_busiest_process"] = round(busiest, 1)
    bound = max(busiest, total / cores)
    result["posts_per_s_dedicated"] = round(int(result["rows"]) / bound) if bound else None
    result["load_avg_1m_before"] = round(load_before, 2) if load_before is not None else None
    result["load_avg_1m_after"] = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    out.unlink(missing_ok=True)
    Path(str(out).removesuffix(".jsonl") + ".errors.jsonl").unlink(missing_ok=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000,1000000", help="Rows of the inputs, comma-separated.")
    ap.add_argument("--configs", default=",".join(CONFIGS), help=f"Comma-separated, of {', '.join(CONFIGS)}.")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/netral-bench"), help="Where inputs and outputs go.")
    ap.add_argument("--cores", type=int, default=os.cpu_count() or 1, help="Cores of the dedicated-machine estimate.")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/out/batch.json"), help="Results file (JSON).")
    ap.add_argument("--model", default="default", help="Shipped name or model folder.")
    ap.add_argument("--distinct", action="store_true", help="Make every row's text unique (no cache can help).")
    # Internal: the measured process.
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_config(args.child, args.input, args.output, args.model)))
        return

    configs = [c for c in args.configs.split(",") if c]
    unknown = set(configs) - set(CONFIGS)
    if unknown:
        raise SystemExit(f"unknown configs {sorted(unknown)}; choose from {CONFIGS}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for n in [int(s) for s in args.sizes.split(",") if s]:
        src = build_input(n, args.workdir, distinct=args.distinct)
        for config in configs:
            res = {
                "size": n,
                "config": config,
                "model": args.model,
                "distinct": args.distinct,
                **measure(config, src, args.workdir / f"out-{config}.jsonl", args.cores, args.model),
            }
            results.append(res)
            print(json.dumps(res), flush=True)
    machine = {
        "cpus": os.cpu_count(),
        "cores_of_estimate": args.cores,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    report = {"machine": machine, "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"\n| rows | configuration | posts/s (wall) | posts/s on {args.cores} dedicated cores (from CPU time) | peak RSS, tree (MB) "
        "| peak PSS, tree (MB) | CPU s, total | load avg before/after |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    for r in results:
        print(
            f"| {r['size']:,} | {r['config']} | {r['posts_per_s']:,} | {r['posts_per_s_dedicated'] or 0:,} | {r['peak_rss_mb']:,} "
            f"| {r['peak_pss_mb']:,} | {r['cpu_s_total']} | {r['load_avg_1m_before']} / {r['load_avg_1m_after']} |"
        )


if __name__ == "__main__":
    main()

"""Start-up time: loading a shipped model (``--model``, the linear one by default), and
``netral-nlp predict`` on 10 rows with it.

Each figure is the median of ``--repeats`` fresh processes (a warm file cache, as a user who runs
the command twice has), measured as wall time:

- ``load``: ``from netral_nlp.models import load_model; load_model("linear")``, timed inside the
  process (the imports included, the interpreter's own start excluded); target under 1 s;
- ``process``: the same as a whole process, ``python -c ...``, interpreter start included;
- ``predict``: ``netral-nlp predict posts10.jsonl -o out.jsonl --model linear --force -q``, the
  whole command as a user runs it; target under 2 s.

It also lists the heavy modules that each path imported (none of scipy, scikit-learn, torch,
pandas or pyarrow should be among them; ``tests/test_startup.py`` keeps it so).

Targets: the linear model loads in under 1 s and predicts 10 rows in under 2 s; the default
transformer loads in under 5 s (it imports torch and transformers, and the list of heavy modules
says so).

Run: ``python benchmarks/bench_startup.py --repeats 5`` (``--model default``, ``--model fast``)
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "samples" / "posts.jsonl"
HEAVY = ("scipy", "sklearn", "torch", "pandas", "pyarrow", "transformers", "datasets", "matplotlib")
LOAD = f"""
import sys, time, json
t = time.perf_counter()
from netral_nlp.models import load_model
model = load_model(MODEL)
took = time.perf_counter() - t
model.predict_proba(["Ayo coblos 02!"])
print(json.dumps({{"load": took, "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""


def _wall(cmd: list[str], cwd: Path) -> tuple[float, str]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=True)
    return time.perf_counter() - t, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--model", default="linear", help="a shipped name: linear, fast or default")
    args = parser.parse_args()
    load = LOAD.replace("MODEL", repr(args.model))
    load_target = 5.0 if args.model == "default" else 1.0
    script = shutil.which("netral-nlp", path=str(Path(sys.executable).parent)) or shutil.which("netral-nlp")
    if script is None:
        raise SystemExit("the netral-nlp command is not installed: pip install -e .")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "posts10.jsonl").write_text("".join(SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[:10]), encoding="utf-8")
        loads, processes, predicts, heavy = [], [], [], set()
        _wall([sys.executable, "-c", load], folder)  # warm the file cache once
        for _ in range(args.repeats):
            wall, out = _wall([sys.executable, "-c", load], folder)
            report = json.loads(out)
            loads.append(report["load"])
            processes.append(wall)
            heavy.update(report["heavy"])
            wall, _ = _wall([script, "predict", "posts10.jsonl", "-o", "out.jsonl", "--model", args.model, "--force", "-q"], folder)
            predicts.append(wall)
        rows = [
            (f"load_model({args.model!r}), in process", loads, load_target),
            ("the same, whole process", processes, None),
            ("predict, 10 rows", predicts, 2.0 if args.model != "default" else None),
        ]
        print(f"median of {args.repeats} runs (python {sys.version.split()[0]})")
        print(f"{'what':40} {'median s':>9} {'min s':>7} {'max s':>7}  target")
        for name, values, target in rows:
            goal = f"< {target:.0f} s" if target else ""
            print(f"{name:40} {statistics.median(values):9.2f} {min(values):7.2f} {max(values):7.2f}  {goal}")
        print("heavy modules imported by loading:", ", ".join(sorted(heavy)) or "none")


if __name__ == "__main__":
    main()

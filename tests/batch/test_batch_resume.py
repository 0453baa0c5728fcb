"""A real ``netral-nlp predict`` process killed mid-run (SIGKILL, then Ctrl-C) and resumed: every
input row ends up in the output exactly once, with the values of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from batch_helpers import JSONL_JUNK, read_errors, read_output, write_jsonl

from netral_nlp.batch import checkpoint_path, predict_file

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

CLI = [sys.executable, "-c", "from netral_nlp.cli.app import main; main()", "predict"]


def _committed_rows(out: Path) -> int:
    try:
        return json.loads(checkpoint_path(out).read_text())["rows_read"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return 0


def _start(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_progress(proc: subprocess.Popen[bytes], out: Path, more_than: int, timeout: float = 60.0) -> int:
    """Wait until the run has committed more than ``more_than`` rows; return how many."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = _committed_rows(out)
        if done > more_than:
            return done
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it could be interrupted: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        time.sleep(0.05)
    proc.kill()
    pytest.fail("no progress committed in time")


def _descendants(pid: int) -> set[int]:
    """Process ids below ``pid`` (Linux /proc)."""
    parents: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                parents[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        children = {p for p, pp in parents.items() if pp in frontier}
        frontier = children - found
        found |= children
    return found


@pytest.fixture(scope="module")
def dump(tmp_path_factory, corpus) -> tuple[Path, pd.DataFrame]:
    """3,000 real posts as gzip-compressed JSONL with junk lines, and the good rows."""
    posts = corpus.sample(n=3000, random_state=11, replace=True)[["id", "text", "source"]].reset_index(drop=True)
    posts["id"] = [f"row-{i}" for i in range(len(posts))]  # resampled: make every id unique
    path = write_jsonl(tmp_path_factory.mktemp("dump") / "posts.jsonl.gz", posts)
    return path, posts


@pytest.fixture(scope="module")
def reference(tmp_path_factory, dump, shipped_model) -> Path:
    out = tmp_path_factory.mktemp("reference") / "out.jsonl"
    predict_file(dump[0], out, model=shipped_model, keep=["source"])
    return out


def test_killed_twice_then_resumed_every_row_once(tmp_path, dump, reference):
    src, posts = dump
    out = tmp_path / "out.jsonl"
    args = [str(src), "-o", str(out), "--keep", "source", "--batch-size", "64", "--checkpoint-rows", "200", "--cache-size", "0"]

    # 1. SIGKILL once some rows are committed: nothing can be cleaned up.
    proc = _start(args)
    first = _wait_for_progress(proc, out, 0)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert not out.exists() and checkpoint_path(out).exists()
    assert _start(args).wait(timeout=60) == 2  # refuses to start over without --resume or --force

    # 2. Resume, then Ctrl-C (SIGINT) further on.
    proc = _start([*args, "--resume"])
    _wait_for_progress(proc, out, first + 200)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err.decode()[-2000:]
    assert b"--resume" in err and not out.exists()

    # 3. Resume to the end.
    done = subprocess.run([*CLI, *args, "--resume"], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    rows = read_output(out)
    assert [r["id"] for r in rows] == posts["id"].tolist()  # no loss, no duplicate, in order
    assert rows == read_output(reference)
    errors = read_errors(tmp_path / "out.errors.jsonl")
    assert [e["code"] for e in errors] == [code for _, code in JSONL_JUNK]
    assert f"read {len(posts) + len(JSONL_JUNK)} rows: {len(posts)} written".encode() in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.errors.jsonl", "out.jsonl"]


@pytest.mark.slow  # about 20 s: two runs that each start a pool of worker processes
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find worker processes")
def test_killed_with_workers_leaves_no_worker_behind_and_resumes(tmp_path, dump, reference):
    src, _ = dump
    out = tmp_path / "out.jsonl"
    args = [
        str(src),
        "-o",
        str(out),
        "--keep",
        "source",
        "--workers",
        "2",
        "--batch-size",
        "64",
        "--checkpoint-rows",
        "200",
        "--cache-size",
        "0",
    ]
    proc = _start(args)
    _wait_for_progress(proc, out, 0)
    workers = _descendants(proc.pid)
    assert len(workers) >= 2
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 15
    while workers and time.monotonic() < deadline:  # orphaned workers notice and leave
        workers = {
            p for p in workers if Path(f"/proc/{p}").exists() and "Z" not in Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1][:3]
        }
        time.sleep(0.2)
    for p in workers:  # do not leave them running if the test fails
        os.kill(p, signal.SIGKILL)
    assert not workers, "worker processes outlived the killed run"

    done = subprocess.run([*CLI, *args, "--resume"], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert read_output(out) == read_output(reference)

"""Faults around the worker processes of ``predict --workers``: the main process SIGKILLed while a
caller holds its pipes, workers that cannot load the model or fail while classifying."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_helpers import SAMPLE_POSTS

from netral_nlp.batch import checkpoint_path, predict_file
from netral_nlp.errors import NetralError

CLI = [sys.executable, "-c", "from netral_nlp.cli.app import main; main()"]
linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc to list processes")


def _session_members(sid: int) -> set[int]:
    """Live (not zombie) processes of session ``sid``."""
    found = set()
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            found.add(int(d.name))
    return found


def _many_posts(path: Path, copies: int = 100) -> Path:
    rows = [json.loads(line) for line in SAMPLE_POSTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(copies):
            for r in rows:
                fh.write(json.dumps({**r, "id": f"{r['id']}-{i}"}, ensure_ascii=False) + "\n")
    return path


@linux_only
def test_sigkill_of_the_main_process_leaves_no_process_holding_the_pipes(tmp_path):
    # The reported hang: after a SIGKILL of `predict --workers 2` started with pipes, the
    # forkserver and the workers stayed alive holding the pipes, so the caller waited for ever.
    src = _many_posts(tmp_path / "posts.jsonl")
    out = tmp_path / "out.jsonl"
    args = ["predict", str(src), "-o", str(out), "--workers", "2", "--batch-size", "32", "--checkpoint-rows", "64", "--cache-size", "0"]
    proc = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if checkpoint_path(out).exists() and json.loads(checkpoint_path(out).read_text() or "{}").get("rows_read", 0) > 0:
                break
            if proc.poll() is not None:
                pytest.fail(f"the run ended before it could be killed: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            time.sleep(0.05)
        else:
            pytest.fail("no rows committed in time")
        helpers = _session_members(proc.pid) - {proc.pid}
        assert len(helpers) >= 3, helpers  # the forkserver and two workers (and the resource tracker)
        os.kill(proc.pid, signal.SIGKILL)  # not reaped: the caller still holds it as a zombie
        proc.communicate(timeout=20)  # returns only once every holder of the pipes is gone
        deadline = time.monotonic() + 10
        while _session_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _session_members(proc.pid), "processes of the killed run are still alive"
    finally:
        for pid in _session_members(proc.pid):  # never leave them running when the test fails
            os.kill(pid, signal.SIGKILL)
    done = subprocess.run([*CLI, *args, "--resume"], capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert ids == [json.loads(line)["id"] for line in src.read_text(encoding="utf-8").splitlines()]


def _fork_context() -> object:
    # With fork, the workers inherit this process's monkeypatches (forkserver would start clean).
    return mp.get_context("fork")


@pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="needs the fork start method")
def test_workers_that_cannot_load_the_model_give_one_coded_error(tmp_path, monkeypatch):
    def broken_load(*args: object, **kwargs: object) -> object:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("netral_nlp.batch.workers._context", _fork_context)
    monkeypatch.setattr("netral_nlp.batch.workers.load_model", broken_load)
    with pytest.raises(NetralError) as err:
        predict_file(SAMPLE_POSTS, tmp_path / "out.jsonl", workers=2)
    assert err.value.code == "E222"
    assert "could not load the model" in str(err.value) and "Input/output error" in str(err.value)
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="needs the fork start method")
def test_a_worker_failing_while_classifying_gives_one_coded_error(tmp_path, monkeypatch):
    from netral_nlp.batch import workers

    def failing(self: object, texts: list[str]) -> object:
        raise MemoryError("out of memory in a worker")

    monkeypatch.setattr("netral_nlp.batch.workers._context", _fork_context)
    monkeypatch.setattr(workers.Scorer, "__call__", failing)
    with pytest.raises(NetralError, match=r"\[E222\] a worker failed while classifying \(MemoryError: out of memory"):
        predict_file(SAMPLE_POSTS, tmp_path / "out.jsonl", workers=2)


def test_an_unknown_election_with_workers_is_one_coded_line(cli, tmp_path):
    # It used to surface as three chained tracebacks from the workers.
    (tmp_path / "posts.jsonl").write_bytes(SAMPLE_POSTS.read_bytes())
    result = cli("predict", "posts.jsonl", "-o", "out.jsonl", "--workers", "2", "--election", "pemilu-2099")
    assert result.coded_error() == "E120"

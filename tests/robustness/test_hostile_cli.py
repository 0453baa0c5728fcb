"""Every case that used to end in a traceback (exit status 1) ends in one coded line and exit
status 2, through the console script's entry point."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_helpers import SAMPLE_POSTS

from netral_nlp.models import MODELS_DIR, SHIPPED_MODELS

LINEAR_MODEL_DIR = MODELS_DIR / SHIPPED_MODELS["linear"]


def _posts(tmp: Path) -> None:
    shutil.copy(SAMPLE_POSTS, tmp / "posts.jsonl")


def _model(tmp: Path, change: Callable[[dict], None] | None = None, weights: Callable[[Path], None] | None = None) -> None:
    shutil.copytree(LINEAR_MODEL_DIR, tmp / "model")
    if change is not None:
        file = tmp / "model" / "netral_config.json"
        config = json.loads(file.read_text(encoding="utf-8"))
        change(config)
        file.write_text(json.dumps(config), encoding="utf-8")
    if weights is not None:
        weights(tmp / "model" / "model.safetensors")


def _labels(tmp: Path, labels: list[str]) -> None:
    (tmp / "labels.csv").write_text("text,label\n" + "".join(f"posting nomor {i},{lab}\n" for i, lab in enumerate(labels)), "utf-8")


def _checkpoint(tmp: Path) -> None:
    _posts(tmp)
    (tmp / "out.jsonl.checkpoint.json").write_text('{"version": 1, "settings": {}, "inputs": [], "rows_read": "x"}', "utf-8")


def _truncated_gz(tmp: Path) -> None:
    data = gzip.compress(SAMPLE_POSTS.read_bytes() * 50)
    (tmp / "posts.jsonl.gz").write_bytes(data[: len(data) // 2])


MODEL_ARGS = ["predict", "posts.jsonl", "-o", "out.jsonl", "--model", "model"]
CASES: dict[str, tuple[Callable[[Path], None], list[str], str]] = {
    "output folder missing": (_posts, ["predict", "posts.jsonl", "-o", "missing/out.jsonl"], "E221"),
    "model config field missing": (lambda t: (_posts(t), _model(t, lambda c: c.pop("labels"))), MODEL_ARGS, "E403"),
    "unknown model kind": (lambda t: (_posts(t), _model(t, lambda c: c.update(kind="svm"))), MODEL_ARGS, "E403"),
    "wrong-typed model value": (lambda t: (_posts(t), _model(t, lambda c: c.update(batch_size="big"))), MODEL_ARGS, "E403"),
    "truncated safetensors": (
        lambda t: (_posts(t), _model(t, weights=lambda w: w.write_bytes(w.read_bytes()[:100]))),
        MODEL_ARGS,
        "E405",
    ),
    "workers cannot load the model": (
        lambda t: (_posts(t), _model(t, lambda c: c.update(temperature=0))),
        [*MODEL_ARGS, "--workers", "2"],
        "E403",
    ),
    "tampered checkpoint": (_checkpoint, ["predict", "posts.jsonl", "-o", "out.jsonl", "--resume"], "E213"),
    "train on one class": (lambda t: _labels(t, ["campaign"] * 20), ["train", "--data", "labels.csv", "--out", "m"], "E115"),
    "train on 2 rows": (lambda t: _labels(t, ["campaign", "non_political"]), ["train", "--data", "labels.csv", "--out", "m"], "E115"),
    "train on 3 rows": (
        lambda t: _labels(t, ["campaign", "non_political", "political_neutral"]),
        ["train", "--data", "labels.csv", "--out", "m"],
        "E115",
    ),
    "train header-only": (lambda t: _labels(t, []), ["train", "--data", "labels.csv", "--out", "m"], "E115"),
    "train empty file": (lambda t: (t / "labels.csv").write_bytes(b""), ["train", "--data", "labels.csv", "--out", "m"], "E113"),
    "train 2 of 3 labels": (
        lambda t: _labels(t, ["campaign", "non_political"] * 10),
        ["train", "--data", "labels.csv", "--out", "m"],
        "E115",
    ),
    "evaluate empty data": (lambda t: _labels(t, []), ["evaluate", "default", "--data", "labels.csv"], "E115"),
    "normalize truncated gz": (_truncated_gz, ["normalize", "posts.jsonl.gz", "-o", "out.jsonl"], "E107"),
    "unknown election": (_posts, ["predict", "posts.jsonl", "-o", "out.jsonl", "--election", "pemilu-2099"], "E120"),
    "evaluate missing model folder": (lambda t: None, ["evaluate", "./no-such-model"], "E401"),
    "train data missing": (lambda t: None, ["train", "--data", "nope.csv", "--out", "m"], "E118"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_former_traceback_is_one_coded_line(cli, tmp_path, fast_model, case):
    setup, args, code = CASES[case]
    setup(tmp_path)
    assert cli(*args).coded_error() == code


def test_a_full_disk_met_anywhere_is_one_coded_line(cli, monkeypatch):
    import errno

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "reports/report.md")

    monkeypatch.setattr("netral_nlp.cli.app.app", full)
    result = cli("evaluate", "default")
    assert result.coded_error() == "E220" and "reports/report.md" in result.err

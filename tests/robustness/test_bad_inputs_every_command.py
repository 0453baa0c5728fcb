"""Every command, given the bad inputs a new user gives (an unknown election, a missing or
damaged model folder, a bad --data spec, a missing column, an unreadable file, an existing output
without --force, an unknown encoding): exit 2, one line, a code, no traceback, nothing written."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_helpers import SAMPLE_POSTS

from netral_nlp.models import MODELS_DIR, SHIPPED_MODELS

#: The fast shipped model, by name (whatever the default is).
LINEAR = MODELS_DIR / SHIPPED_MODELS["linear"]


def _posts(tmp: Path) -> None:
    shutil.copy(SAMPLE_POSTS, tmp / "posts.jsonl")
    rows = [json.loads(line) for line in SAMPLE_POSTS.read_text(encoding="utf-8").splitlines()]
    (tmp / "posts.csv").write_text("id,body\n" + "".join(f"{r['id']},x\n" for r in rows), encoding="utf-8")


def _damaged_model(tmp: Path) -> None:
    shutil.copytree(LINEAR, tmp / "model")
    config = json.loads((tmp / "model" / "netral_config.json").read_text(encoding="utf-8"))
    config.pop("labels")
    (tmp / "model" / "netral_config.json").write_text(json.dumps(config), encoding="utf-8")


def _labels(tmp: Path) -> None:
    rows = [f"posting kampanye {i},campaign\nberita netral {i},political_neutral\nmakan siang {i},non_political\n" for i in range(8)]
    (tmp / "labels.csv").write_text("text,label\n" + "".join(rows), encoding="utf-8")
    (tmp / "nolabel.csv").write_text("text,kelas\nhalo,campaign\n", encoding="utf-8")
    data = gzip.compress((tmp / "labels.csv").read_bytes() * 20)
    (tmp / "damaged.csv.gz").write_bytes(data[:20] + b"\x00" * 40 + data[60:])


def _activity(tmp: Path) -> None:
    (tmp / "activity.csv").write_text(
        "account_id,action,timestamp,text\nbudi,post,2024-01-10T10:00:00+07:00,Ayo coblos 02 besok\n", encoding="utf-8"
    )
    (tmp / "accounts.csv").write_text("account_id,asn_status\nbudi,pns\n", encoding="utf-8")
    (tmp / "noaction.csv").write_text("account_id,timestamp\nbudi,2024-01-10\n", encoding="utf-8")


def _all(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        for step in steps:
            step(tmp)

    return setup


def _existing(*names: str) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        for name in names:
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("from another run\n", encoding="utf-8")

    return setup


PREDICT = ["predict", "posts.jsonl", "-o", "out.jsonl", "--model", "linear"]
SCORE = ["score", "--activity", "activity.csv", "--accounts", "accounts.csv", "-o", "report", "--model", "linear"]
TRAIN = ["train", "--data", "labels.csv", "--out", "m"]
EVALUATE = ["evaluate", "linear", "--data", "labels.csv"]

# (command and case) -> (setup, arguments, expected code)
CASES: dict[str, tuple[Callable[[Path], None], list[str], str]] = {
    # predict
    "predict unknown election": (_posts, [*PREDICT, "--election", "pemilu-2025"], "E120"),
    "predict missing model folder": (_posts, ["predict", "posts.jsonl", "-o", "out.jsonl", "--model", "./nosuch"], "E401"),
    "predict damaged model folder": (
        _all(_posts, _damaged_model),
        ["predict", "posts.jsonl", "-o", "out.jsonl", "--model", "model"],
        "E403",
    ),
    "predict missing column": (_posts, [*PREDICT[:1], "posts.csv", *PREDICT[2:]], "E212"),
    "predict missing file": (_posts, ["predict", "nosuch.jsonl", "-o", "out.jsonl", "--model", "linear"], "E202"),
    "predict existing output": (_all(_posts, _existing("out.jsonl")), PREDICT, "E203"),
    "predict existing errors file does not hide a missing column": (
        _all(_posts, _existing("out.errors.jsonl")),
        ["predict", "posts.csv", "-o", "out.jsonl", "--model", "linear", "--text-key", "text"],
        "E212",
    ),
    "predict unknown encoding": (_posts, [*PREDICT, "--encoding", "klingon"], "E223"),
    # normalize
    "normalize unknown election": (_posts, ["normalize", "posts.jsonl", "-o", "out.jsonl", "--election", "pemilu-2025"], "E120"),
    "normalize missing column": (_posts, ["normalize", "posts.csv", "-o", "out.csv"], "E105"),
    "normalize missing file": (_posts, ["normalize", "nosuch.jsonl", "-o", "out.jsonl"], "E102"),
    "normalize damaged file": (_labels, ["normalize", "damaged.csv.gz", "-o", "out.csv"], "E107"),
    "normalize existing output": (_all(_posts, _existing("out.jsonl")), ["normalize", "posts.jsonl", "-o", "out.jsonl"], "E224"),
    "normalize unknown encoding": (_posts, ["normalize", "posts.jsonl", "-o", "out.jsonl", "--encoding", "klingon"], "E223"),
    # train
    "train unknown election": (_labels, [*TRAIN, "--election", "pemilu-2025"], "E120"),
    "train missing model folder": (_labels, [*TRAIN, "--model", "./nosuch"], "E401"),
    "train damaged model folder": (_all(_labels, _damaged_model), [*TRAIN, "--model", "model"], "E403"),
    "train missing data file": (_labels, ["train", "--data", "nosuch.csv", "--out", "m"], "E118"),
    "train missing column": (_labels, ["train", "--data", "nolabel.csv", "--out", "m"], "E113"),
    "train damaged file": (_labels, ["train", "--data", "damaged.csv.gz", "--out", "m"], "E116"),
    "train existing output": (_all(_labels, _existing("m/netral_config.json")), TRAIN, "E224"),
    "train unknown encoding": (_labels, [*TRAIN, "--encoding", "klingon"], "E223"),
    # evaluate
    "evaluate missing model folder": (_labels, ["evaluate", "./nosuch", "--data", "labels.csv"], "E401"),
    "evaluate damaged model folder": (_all(_labels, _damaged_model), ["evaluate", "model", "--data", "labels.csv"], "E403"),
    "evaluate bad --data spec": (_labels, ["evaluate", "linear", "--data", "corpus:foo"], "E119"),
    "evaluate missing data file": (_labels, ["evaluate", "linear", "--data", "nosuch.csv"], "E118"),
    "evaluate missing column": (_labels, ["evaluate", "linear", "--data", "nolabel.csv"], "E113"),
    "evaluate damaged file": (_labels, ["evaluate", "linear", "--data", "damaged.csv.gz"], "E116"),
    "evaluate existing output": (_all(_labels, _existing("r/report.json")), [*EVALUATE, "--out", "r"], "E224"),
    "evaluate unknown encoding": (_labels, [*EVALUATE, "--encoding", "klingon"], "E223"),
    # score
    "score unknown election": (_activity, [*SCORE, "--election", "pemilu-2025"], "E120"),
    "score missing model folder": (_activity, [*SCORE[:-1], "./nosuch", "--election", "pemilu-2024"], "E401"),
    "score damaged model folder": (_all(_activity, _damaged_model), [*SCORE[:-1], "model"], "E403"),
    "score missing column": (_activity, ["score", "--activity", "noaction.csv", *SCORE[3:]], "E302"),
    "score missing file": (_activity, ["score", "--activity", "nosuch.csv", *SCORE[3:]], "E301"),
    "score existing output": (_all(_activity, _existing("report/report.md")), SCORE, "E340"),
    "score unknown encoding": (_activity, [*SCORE, "--encoding", "klingon"], "E223"),
}


def test_every_command_is_swept():
    from netral_nlp.cli.app import COMMANDS

    assert {case.split()[0] for case in CASES} == set(COMMANDS)


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_input_is_one_coded_line_and_exit_2(cli, tmp_path, case):
    setup, args, code = CASES[case]
    setup(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert cli(*args).coded_error() == code
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before, "a run that failed on its input wrote or changed files"

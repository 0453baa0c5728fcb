"""Hostile inputs of ``normalize``, ``train``, ``evaluate`` and ``score``: the input given as the
output, poisoned rows, damaged files, too little data, a full disk. Each ends in one coded line
and exit status 2, and no input is lost."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest
from hostile_helpers import SAMPLE_POSTS

from netral_nlp.tables.rows import MAX_LINE_BYTES, MAX_TEXT_CHARS

LABELS = ("campaign", "political_neutral", "non_political")


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    return Path(shutil.copy(SAMPLE_POSTS, tmp_path / "posts.jsonl"))


# --- normalize ---------------------------------------------------------------------------------


def test_normalize_never_overwrites_its_input(cli, tmp_path, posts):
    # The attack: `normalize posts.jsonl -o posts.jsonl --force` overwrote its input.
    before = posts.read_bytes()
    assert cli("normalize", "posts.jsonl", "-o", "posts.jsonl", "--force").coded_error() == "E215"
    assert cli("normalize", "./posts.jsonl", "-o", "sub/../posts.jsonl", "--force").coded_error() in ("E215", "E221")
    shutil.copy(posts, tmp_path / "out.jsonl.partial")
    assert cli("normalize", "out.jsonl.partial", "--format", "jsonl", "-o", "out.jsonl").coded_error() == "E215"
    os.symlink(posts, tmp_path / "link.jsonl")
    assert cli("normalize", "posts.jsonl", "-o", "link.jsonl", "--force").coded_error() == "E215"
    assert posts.read_bytes() == before and (tmp_path / "out.jsonl.partial").read_bytes() == before


def test_normalize_output_folder_missing(cli, posts):
    assert cli("normalize", "posts.jsonl", "-o", "nowhere/out.jsonl").coded_error() == "E221"


@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
def test_normalize_on_a_damaged_gz_leaves_no_output(cli, tmp_path, damage):
    # The attack: a truncated .gz printed "Aborted." after writing 10,091 lines.
    lines = SAMPLE_POSTS.read_bytes() * 80
    data = bytearray(gzip.compress(lines))
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 2 : len(data) // 2 + 50] = bytes(50)
    (tmp_path / "in.jsonl.gz").write_bytes(bytes(data))
    result = cli("normalize", "in.jsonl.gz", "-o", "out.jsonl")
    assert result.coded_error() == "E107" and ("truncated" in result.err or "damaged" in result.err)
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "out.jsonl.partial").exists()


@pytest.mark.parametrize(
    ("name", "content", "code", "line"),
    [
        ("in.jsonl", b'{"text": "ok"}\n{"text": ' + b"[" * 200_000 + b"]" * 200_000 + b"}\n", "E106", 2),
        ("in.jsonl", b'{"text": "ok"}\n{"text": "' + b"a" * (MAX_TEXT_CHARS + 1) + b'"}\n', "E106", 2),
        ("in.txt", b"ok\n" + b"x" * (MAX_LINE_BYTES + 1) + b"\nok\n", "E106", 2),
        ("in.csv", b"id,text\n1,ok\n2,ok,extra,fields\n", "E108", 3),
        ("in.jsonl", b'{"text": "ok"}\n' + b"[1, 2]\n", "E105", 2),
    ],
    ids=["deep-json", "text-too-long", "line-too-long", "csv-extra-fields", "not-an-object"],
)
def test_normalize_poisoned_row_names_its_line(cli, tmp_path, name, content, code, line):
    (tmp_path / name).write_bytes(content)
    result = cli("normalize", name, "-o", "out.txt")
    assert result.coded_error() == code and f"{name}:{line}:" in result.err
    assert not (tmp_path / "out.txt").exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_normalize_on_a_full_disk(cli, tmp_path, posts):
    os.symlink("/dev/full", tmp_path / "out.jsonl.partial")
    result = cli("normalize", "posts.jsonl", "-o", "out.jsonl")
    assert result.coded_error() == "E220" and "no space left" in result.err
    assert not (tmp_path / "out.jsonl").exists()


# --- train and evaluate ------------------------------------------------------------------------


def _labelled(path: Path, labels: list[str], *, header: bool = True) -> Path:
    texts = [json.loads(line)["text"] for line in SAMPLE_POSTS.read_text(encoding="utf-8").splitlines()]
    rows = [f'"{texts[i % len(texts)].replace(chr(34), "")}",{lab}' for i, lab in enumerate(labels)]
    path.write_text(("text,label\n" if header else "") + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("labels", "match"),
    [
        (["campaign"] * 12, r"political_neutral: 0 rows \(missing\), non_political: 0 rows \(missing\)"),
        (["campaign", "political_neutral"], r"campaign: 1 row, political_neutral: 1 row, non_political: 0 rows"),
        (["campaign", "political_neutral", "non_political"], r"each label needs at least 5"),
        (["campaign", "political_neutral"] * 8, r"non_political: 0 rows \(missing\)"),
        ([], r"no labelled rows to train on"),
    ],
    ids=["one-class", "two-rows", "three-rows", "two-of-three-labels", "header-only"],
)
def test_train_on_too_little_data_says_what_is_missing(cli, tmp_path, labels, match):
    _labelled(tmp_path / "labels.csv", labels)
    result = cli("train", "--data", "labels.csv", "--out", "m")
    assert result.coded_error() == "E115"
    assert __import__("re").search(match, result.err), result.err
    assert not (tmp_path / "m").exists()


def test_train_on_an_empty_file(cli, tmp_path):
    (tmp_path / "labels.csv").write_bytes(b"")
    assert cli("train", "--data", "labels.csv", "--out", "m").coded_error() == "E113"
    (tmp_path / "labels.jsonl").write_bytes(b"")
    assert cli("train", "--data", "labels.jsonl", "--out", "m").coded_error() == "E113"


def test_evaluate_on_empty_data(cli, tmp_path, fast_model):
    _labelled(tmp_path / "labels.csv", [])
    result = cli("evaluate", "default", "--data", "labels.csv")
    assert result.coded_error() == "E115" and "nothing to evaluate" in result.err
    (tmp_path / "empty.csv").write_bytes(b"")
    assert cli("evaluate", "default", "--data", "empty.csv").coded_error() == "E113"
    (tmp_path / "missing-label.csv").write_text("text,label\nhalo,\n", encoding="utf-8")
    result = cli("evaluate", "default", "--data", "missing-label.csv")
    assert result.code == 2 and "[E114]" in result.err and "unknown label ''" in result.err


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("deep.jsonl", b'{"text": "a", "label": "campaign"}\n{"text": ' + b"[" * 200_000 + b"]" * 200_000 + b', "label": "x"}\n', "E117"),
        ("trunc.csv.gz", gzip.compress(b"text,label\n" + b"".join(b"halo %d,campaign\n" % i for i in range(5000)))[:2000], "E116"),
        ("bad.csv", b'text,label\n"unclosed,campaign\n', "E116"),
        ("table.parquet", b"not parquet at all", "E116"),
        ("labels.xlsx", b"PK\x03\x04", "E112"),
    ],
    ids=["deep-json", "truncated-gz", "broken-csv", "not-parquet", "unknown-type"],
)
def test_unreadable_labelled_files(cli, tmp_path, fast_model, name, content, code):
    (tmp_path / name).write_bytes(content)
    assert cli("evaluate", "default", "--data", name).coded_error() == code
    assert cli("train", "--data", name, "--out", "m").coded_error() == code


def test_train_and_evaluate_never_overwrite_their_input(cli, tmp_path, fast_model):
    labels = [lab for lab in LABELS for _ in range(6)]
    (tmp_path / "m").mkdir()
    _labelled(tmp_path / "m" / "training_report.json", [], header=False)
    assert cli("train", "--data", "m/training_report.json", "--out", "m", "--force").coded_error() == "E215"
    _labelled(tmp_path / "labels.csv", labels)
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert cli("train", "--data", "labels.csv", "--out", "file").coded_error() == "E221"
    (tmp_path / "reports").mkdir()
    report = _labelled(tmp_path / "reports" / "report.json", labels)
    before = report.read_bytes()
    assert cli("evaluate", "default", "--data", "reports/report.json", "--out", "reports").coded_error() == "E215"
    assert report.read_bytes() == before


# --- score ---------------------------------------------------------------------------------------

ACCOUNTS = "account_id,asn_status\nbudi,pns\n"


def test_score_never_overwrites_its_input(cli, tmp_path):
    (tmp_path / "out").mkdir()
    activity = tmp_path / "out" / "evidence.jsonl"
    activity.write_text('{"account_id": "budi", "action": "post", "timestamp": "2019-03-01T10:00:00+07:00", "text": "halo"}\n', "utf-8")
    (tmp_path / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    before = activity.read_bytes()
    args = ["score", "--activity", "out/evidence.jsonl", "--accounts", "accounts.csv", "--election", "pilpres-2019", "-o", "out"]
    assert cli(*args, "--force").coded_error() == "E215"
    assert activity.read_bytes() == before


def test_score_poisoned_rows(cli, tmp_path, fast_model):
    (tmp_path / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    (tmp_path / "deep.jsonl").write_bytes(b'{"account_id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n")
    args = ["--accounts", "accounts.csv", "--election", "pilpres-2019", "-o", "out"]
    assert cli("score", "--activity", "deep.jsonl", *args).coded_error() == "E304"
    row = {"account_id": "budi", "action": "post", "timestamp": "2019-03-01T10:00:00+07:00", "text": "a" * (MAX_TEXT_CHARS + 1)}
    (tmp_path / "long.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    result = cli("score", "--activity", "long.jsonl", *args)
    assert result.code == 0, result.err
    assert '"E318"' in (tmp_path / "out" / "issues.jsonl").read_text(encoding="utf-8")


def test_score_output_that_is_a_file(cli, tmp_path):
    (tmp_path / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    (tmp_path / "activity.csv").write_text("account_id,action,timestamp\nbudi,follow,2019-03-01\n", encoding="utf-8")
    (tmp_path / "out").write_text("x", encoding="utf-8")
    args = ["score", "--activity", "activity.csv", "--accounts", "accounts.csv", "--election", "pilpres-2019", "-o", "out"]
    assert cli(*args).coded_error() == "E221"

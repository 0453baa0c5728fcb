"""Hostile inputs of ``predict``: working files given as the input, poisoned rows, a damaged
.gz, a full disk, a missing output folder, a damaged checkpoint. Nothing is lost, nothing hangs,
and every refusal is one coded line."""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
import shutil
import tracemalloc
from pathlib import Path

import pytest
from hostile_helpers import SAMPLE_POSTS, write_lines

from netral_nlp.batch import checkpoint_path, predict_file
from netral_nlp.errors import InputError, NetralError, OutputError
from netral_nlp.tables.rows import MAX_LINE_BYTES, MAX_TEXT_CHARS, TooLong, bounded_lines

N_SAMPLE = 36


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _ids(path: Path) -> list[str]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        return [json.loads(line)["id"] for line in fh]


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    return Path(shutil.copy(SAMPLE_POSTS, tmp_path / "posts.jsonl"))


# --- working files are never the input -------------------------------------------------------


@pytest.mark.parametrize(
    ("input_name", "args"),
    [
        ("x.jsonl.partial", ["-o", "x.jsonl"]),
        ("x.jsonl.partial", ["-o", "x.jsonl", "--force"]),
        ("x.errors.jsonl.partial", ["-o", "x.jsonl", "--force"]),
        ("x.jsonl.checkpoint.json", ["-o", "x.jsonl", "--force"]),
        ("x.jsonl.checkpoint.json.partial", ["-o", "x.jsonl", "--force"]),
        ("x.errors.jsonl", ["-o", "x.jsonl", "--force"]),
        ("x.jsonl", ["-o", "x.jsonl", "--force"]),
        ("x.jsonl", ["-o", "./sub/../x.jsonl", "--force"]),
        ("x.jsonl", ["-o", "y.jsonl", "--errors", "x.jsonl", "--force"]),
        ("y.parquet.parts/part-000000.jsonl", ["-o", "y.parquet", "--force"]),
    ],
    ids=[
        "partial-output",
        "partial-output-force",
        "partial-errors",
        "checkpoint",
        "checkpoint-tmp",
        "errors-file",
        "output",
        "output-other-spelling",
        "errors-option",
        "inside-parquet-parts",
    ],
)
def test_a_working_file_given_as_input_is_refused_and_kept(cli, tmp_path, input_name, args):
    # The attack: `cp posts.jsonl x.jsonl.partial; predict x.jsonl.partial -o x.jsonl` read 0
    # rows, exited 0 and destroyed the 36 posts (with --force: deleted them, then a traceback).
    (tmp_path / "sub").mkdir()
    src = tmp_path / input_name
    src.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE_POSTS, src)
    before = src.read_bytes()
    assert cli("predict", input_name, "--input-format", "jsonl", *args).coded_error() == "E215"
    assert src.read_bytes() == before


def test_symlinks_and_hard_links_are_seen_through(cli, tmp_path, posts):
    before = posts.read_bytes()
    os.symlink(posts, tmp_path / "out.jsonl")  # the output is the input under another name
    assert cli("predict", "posts.jsonl", "-o", "out.jsonl", "--force").coded_error() == "E215"
    os.symlink(posts, tmp_path / "other.jsonl.partial")  # the working file is the input
    assert cli("predict", "posts.jsonl", "-o", "other.jsonl", "--force").coded_error() == "E215"
    os.link(posts, tmp_path / "hard.jsonl")  # a hard link: the same file, no symlink to follow
    assert cli("predict", "posts.jsonl", "-o", "hard.jsonl", "--force").coded_error() == "E215"
    link_dir = tmp_path / "linked"
    os.symlink(tmp_path, link_dir)  # the input reached through a linked folder
    assert cli("predict", "linked/posts.jsonl", "-o", "posts.jsonl", "--force").coded_error() == "E215"
    assert posts.read_bytes() == before


def test_the_output_folder_must_exist(cli, posts, fast_model):
    result = cli("predict", "posts.jsonl", "-o", "no/such/folder/out.jsonl")
    assert result.coded_error() == "E221" and "no/such/folder does not exist" in result.err
    result = cli("predict", "posts.jsonl", "-o", "out.jsonl", "--errors", "posts.jsonl/errors.jsonl")
    assert result.coded_error() == "E221"


# --- poisoned rows -----------------------------------------------------------------------------


def _poisoned(tmp_path: Path, poison: bytes, name: str = "in.jsonl") -> Path:
    good = SAMPLE_POSTS.read_bytes().splitlines()
    return write_lines(tmp_path / name, [*good[:10], poison, *good[10:]])


@pytest.mark.parametrize(
    ("poison", "code"),
    [
        (b'{"id": "deep", "text": ' + b"[" * 200_000 + b"]" * 200_000 + b"}", "E218"),
        (b"[" * 200_000, "E218"),
        (b'{"id": "deep-keep", "text": "ok", "meta": ' + b'{"a": ' * 100 + b"1" + b"}" * 100 + b"}", "E218"),
        (b'{"id": "long", "text": "' + b"a" * (MAX_TEXT_CHARS + 1) + b'"}', "E217"),
        (b'{"id": "huge-line", "text": "' + b"b" * (MAX_LINE_BYTES + 10) + b'"}', "E217"),
        (b'{"id": "latin1", "text": "caf\xe9"}', "E208"),
        (b'{"id": "nul", "text": "\x00\x00"}', "E204"),
    ],
    ids=["deep-text", "deep-array", "deep-kept-field", "text-too-long", "line-too-long", "not-utf8", "raw-nul"],
)
def test_a_poisoned_row_is_an_error_row_and_the_run_goes_on(tmp_path, shipped_model, poison, code):
    # The attack: one JSON line nested 200,000 levels deep raised RecursionError, and --resume
    # hit it again every time.
    src = _poisoned(tmp_path, poison)
    summary = predict_file(src, tmp_path / "out.jsonl", model=shipped_model)
    assert summary.rows_written == N_SAMPLE and summary.rows_failed == 1
    errors = [json.loads(line) for line in _lines(summary.errors_file)]
    assert [(e["line"], e["code"]) for e in errors] == [(11, code)]
    assert len(errors[0]["raw"] or "") <= 210 and len(errors[0]["reason"]) < 300


def test_a_csv_line_too_long_is_an_error_record(tmp_path, shipped_model):
    rows = [json.loads(line) for line in SAMPLE_POSTS.read_text(encoding="utf-8").splitlines()]
    buf = io.StringIO()
    buf.write("id,text\n")
    for r in rows[:5]:
        buf.write(f'{r["id"]},"{r["text"].replace(chr(34), "")}"\n')
    buf.write('huge,"' + "x" * (MAX_LINE_BYTES + 5) + '"\n')
    for r in rows[5:8]:
        buf.write(f'{r["id"]},"{r["text"].replace(chr(34), "")}"\n')
    src = tmp_path / "in.csv"
    src.write_text(buf.getvalue(), encoding="utf-8")
    summary = predict_file(src, tmp_path / "out.jsonl", model=shipped_model)
    assert summary.rows_written == 8 and summary.errors_by_code == {"E217": 1}
    assert _ids(tmp_path / "out.jsonl") == [r["id"] for r in rows[:8]]


class _Endless(io.RawIOBase):
    """A stream of ``size`` bytes of 'x' and no newline, made on the fly."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        buffer[:n] = b"x" * n
        self.left -= n
        return n


def test_a_line_without_end_is_skipped_in_bounded_memory():
    tracemalloc.start()
    try:
        lines = list(bounded_lines(io.BufferedReader(_Endless(300 * 1024 * 1024)), limit=MAX_LINE_BYTES))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(lines) == 1 and isinstance(lines[0], TooLong) and lines[0].size == 300 * 1024 * 1024
    assert peak < 3 * MAX_LINE_BYTES  # 300 MB read, never held


# --- a damaged .gz ------------------------------------------------------------------------------


def _big_gz(path: Path, copies: int = 60) -> list[str]:
    rows = [json.loads(line) for line in SAMPLE_POSTS.read_text(encoding="utf-8").splitlines()]
    out = [{**r, "id": f"r{i * len(rows) + j}"} for i in range(copies) for j, r in enumerate(rows)]
    path.write_bytes(gzip.compress("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out).encode("utf-8")))
    return [r["id"] for r in out]


def test_a_damaged_gz_stops_the_run_commits_nothing_of_it_and_resumes_after_a_fix(cli, tmp_path, fast_model):
    # The attack: 50 bytes overwritten mid-file gave ids r10026-r10030 twice and 243 made-up
    # error rows before the CRC error at the end.
    good = tmp_path / "good.jsonl.gz"
    ids = _big_gz(good)
    damaged = bytearray(good.read_bytes())
    middle = len(damaged) // 2
    damaged[middle : middle + 50] = bytes(50)
    (tmp_path / "a.jsonl").write_bytes(SAMPLE_POSTS.read_bytes())
    src = tmp_path / "b.jsonl.gz"
    src.write_bytes(bytes(damaged))
    args = ["predict", "a.jsonl", "b.jsonl.gz", "-o", "out.jsonl", "--checkpoint-rows", "16", "--batch-size", "8"]
    result = cli(*args)
    assert result.coded_error() == "E219" and "replace it with a sound copy" in result.err
    assert not (tmp_path / "out.jsonl").exists()
    partial = tmp_path / "out.jsonl.partial"
    committed = [
        json.loads(line)["id"]
        for line in _lines(partial)[: json.loads(checkpoint_path(tmp_path / "out.jsonl").read_text())["rows_written"]]
    ]
    assert all(not i.startswith("r") for i in committed)  # nothing of the damaged file
    assert cli(*args).coded_error() == "E214"  # the job is known: resume it
    assert cli(*args, "--resume").coded_error() == "E219"  # still damaged: still refused
    shutil.copy(good, src)  # the fix: a sound copy
    result = cli(*args, "--resume")
    assert result.code == 0, result.err
    out_ids = _ids(tmp_path / "out.jsonl")
    assert out_ids == _ids(tmp_path / "a.jsonl") + ids  # every row once, in order
    assert not (tmp_path / "out.errors.jsonl").exists()  # no row failed: no errors file


def test_a_gz_that_is_not_gzip_is_refused(tmp_path, shipped_model):
    src = tmp_path / "in.jsonl.gz"
    src.write_bytes(SAMPLE_POSTS.read_bytes())  # named .gz, plain text
    with pytest.raises(InputError, match=r"\[E219\].*damaged") as err:
        predict_file(src, tmp_path / "out.jsonl", model=shipped_model)
    assert "Not a gzipped file" in str(err.value)


def test_a_truncated_gz_still_keeps_its_rows_and_reports_the_cut(tmp_path, shipped_model):
    src = tmp_path / "in.jsonl.gz"
    ids = _big_gz(src)
    data = src.read_bytes()
    src.write_bytes(data[: len(data) * 3 // 4])
    summary = predict_file(src, tmp_path / "out.jsonl", model=shipped_model)
    written = _ids(tmp_path / "out.jsonl")
    assert summary.errors_by_code == {"E216": 1} and 0 < len(written) < len(ids) and written == ids[: len(written)]


# --- a full disk --------------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_one_coded_line_and_resume_finishes(cli, tmp_path, posts, fast_model):
    os.symlink("/dev/full", tmp_path / "out.jsonl.partial")  # every write there: ENOSPC
    os.symlink("/dev/full", tmp_path / "api.jsonl.partial")
    one = tmp_path / "one.jsonl"  # a small commit stays in the file's buffer, whose close fails again
    one.write_text('{"id": "1", "text": "Ayo coblos 01"}\n', encoding="utf-8")
    with pytest.raises(OutputError) as err:  # the function itself, not only the command line
        predict_file(one, tmp_path / "api.jsonl", model=fast_model)
    assert err.value.code == "E220"
    result = cli("predict", "posts.jsonl", "-o", "out.jsonl")
    assert result.coded_error() == "E220" and "no space left" in result.err and "--resume" in result.err
    (tmp_path / "out.jsonl.partial").unlink()  # space is free again
    result = cli("predict", "posts.jsonl", "-o", "out.jsonl", "--resume")
    assert result.code == 0, result.err
    assert _ids(tmp_path / "out.jsonl") == _ids(posts)


def test_a_disk_that_fills_up_mid_run_loses_and_repeats_nothing(tmp_path, shipped_model, monkeypatch):
    src = tmp_path / "in.jsonl.gz"
    ids = _big_gz(src, copies=10)
    out = tmp_path / "out.jsonl"
    real_fsync, calls = os.fsync, {"n": 0}

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 7:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    opts = {"model": shipped_model, "batch_size": 16, "checkpoint_rows": 40}
    with monkeypatch.context() as m:
        m.setattr("netral_nlp.tables.writers.os.fsync", fsync)
        with pytest.raises(OutputError) as err:
            predict_file(src, out, **opts)
    assert err.value.code == "E220" and str(out) in str(err.value)
    assert 0 < json.loads(checkpoint_path(out).read_text())["rows_read"] < len(ids)
    summary = predict_file(src, out, resume=True, **opts)
    assert _ids(out) == ids and summary.rows_written == len(ids)


# --- a damaged checkpoint -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[1, 2]",
        b"null",
        b'{"version": 1, "settings": {}, "inputs": "posts.jsonl"}',
        b'{"version": 1, "settings": {}, "inputs": [{"path": "posts.jsonl", "size": -1, "mtime_ns": 0}]}',
        b'{"version": 1, "settings": {}, "inputs": [], "rows_read": "many"}',
        b'{"version": 1, "settings": {}, "inputs": [], "rows_read": 5, "rows_written": 1, "rows_failed": 0}',
        b'{"version": 1, "settings": {}, "inputs": [], "surprise": true}',
        b'{"version": 1, "settings": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"version": "1"}',
    ],
    ids=[
        "not-json",
        "a-list",
        "null",
        "inputs-a-string",
        "negative-size",
        "count-a-string",
        "counts-do-not-add-up",
        "unknown-field",
        "deep",
        "version-string",
    ],
)
def test_a_damaged_checkpoint_is_refused_in_one_line(cli, tmp_path, posts, fast_model, content):
    (tmp_path / "out.jsonl.checkpoint.json").write_bytes(content)
    result = cli("predict", "posts.jsonl", "-o", "out.jsonl", "--resume")
    assert result.coded_error() == "E213" and "--force" in result.err
    assert cli("predict", "posts.jsonl", "-o", "out.jsonl", "--force").code == 0


def test_an_error_is_picklable_with_its_code():
    import pickle

    err = pickle.loads(pickle.dumps(NetralError("x", code="E219")))
    assert err.code == "E219" and str(err) == "[E219] x"

"""The one table layer: every command reads the same formats with the same encoding policy and
reports a bad row with its file, line and field; outputs appear only whole."""

from __future__ import annotations

import gzip
import json
import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from netral_nlp.batch import predict_file
from netral_nlp.batch.readers import Row, RowError, open_reader
from netral_nlp.data import read_labelled
from netral_nlp.errors import InputError
from netral_nlp.scoring.schema import read_activity
from netral_nlp.tables import open_table
from netral_nlp.tables.files import atomic_file, atomic_write, partial_path, readable_by_all
from netral_nlp.tables.formats import check_encoding, table_format
from netral_nlp.tables.readers import MAX_JSON_ARRAY_BYTES
from netral_nlp.text.io import normalize_file

#: One table that every command can read: posts with labels, and actions of accounts.
ROWS = [
    {
        "id": "p1",
        "text": "Ayo coblos 01, café di Bekasi",
        "label": "campaign",
        "account_id": "budi",
        "action": "post",
        "timestamp": "2019-03-01T10:00:00+07:00",
    },
    {
        "id": "p2",
        "text": 'Jadwal "debat" kedua, tanpa koma',
        "label": "political_neutral",
        "account_id": "sari",
        "action": "comment",
        "timestamp": "2019-03-02T10:00:00+07:00",
    },
    {
        "id": "p3",
        "text": "Nasi goreng enak\nbaris kedua",
        "label": "non_political",
        "account_id": "budi",
        "action": "post",
        "timestamp": "2019-03-03T10:00:00+07:00",
    },
]
TEXTS = [r["text"] for r in ROWS]


def _write(path: Path, rows: list[dict], *, encoding: str = "utf-8") -> Path:
    name = path.name.removesuffix(".gz")
    frame = pd.DataFrame(rows)
    if name.endswith(".parquet"):
        frame.to_parquet(path, index=False)
        return path
    if name.endswith(".jsonl"):
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    elif name.endswith(".json"):
        data = json.dumps(rows, ensure_ascii=False, indent=1)
    else:
        data = frame.to_csv(index=False, sep="\t" if name.endswith(".tsv") else ",")
    raw = data.encode(encoding)
    path.write_bytes(gzip.compress(raw) if path.name.endswith(".gz") else raw)
    return path


FORMATS = ["posts.jsonl", "posts.json", "posts.csv", "posts.tsv", "posts.parquet", "posts.jsonl.gz", "posts.csv.gz", "posts.tsv.gz"]


@pytest.mark.parametrize("name", FORMATS)
def test_every_command_reads_every_format_the_same(tmp_path, name):
    path = _write(tmp_path / name, ROWS)
    # labelled sets (train, evaluate)
    assert read_labelled(path).texts == TEXTS
    # scoring's activity table
    activity, issues = read_activity(path)
    assert activity["text"].tolist() == TEXTS
    assert not [i for i in issues if i.severity == "error"]
    # predict's rows
    with open_reader(path) as reader:
        rows = [item for _, item in reader]
    assert [r.text for r in rows if isinstance(r, Row)] == TEXTS and [r.id for r in rows] == ["p1", "p2", "p3"]
    # normalize: the same rows back, with the normalised text
    out = tmp_path / "out.jsonl"
    assert normalize_file(str(path), str(out)) == 3
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [w["text"] for w in written] == TEXTS and all(w["text_normalized"] for w in written)


def test_the_lines_are_those_of_the_file(tmp_path):
    # The third record of the CSV spans two lines (a quoted line break): lines say where rows start.
    path = _write(tmp_path / "posts.csv", ROWS)
    with open_table(path, codes=_CODES) as reader:
        assert [(reader.where(item.line)) for _, item in reader] == [f"{path}:2", f"{path}:3", f"{path}:4"]
    with open_table(_write(tmp_path / "posts.parquet", ROWS), codes=_CODES) as reader:
        assert [reader.where(item.line) for _, item in reader][-1] == f"{tmp_path / 'posts.parquet'} row 3"
    with open_table(_write(tmp_path / "posts.json", ROWS), codes=_CODES) as reader:
        assert next(reader.where(item.line) for _, item in reader) == f"{tmp_path / 'posts.json'} item 1"


_CODES = {
    "not_found": "X01",
    "format": "X02",
    "columns": "X03",
    "unreadable": "X04",
    "json": "X05",
    "not_object": "X06",
    "bytes": "X07",
    "too_large": "X08",
    "too_deep": "X09",
    "csv_record": "X10",
    "cut": "X11",
}


def test_each_command_names_a_bad_row_in_its_own_codes(tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n{not json\n", encoding="utf-8")
    with open_table(path, codes=_CODES) as reader:
        items = [item for _, item in reader]
    assert isinstance(items[1], RowError) and (items[1].code, items[1].line, items[1].kind) == ("X05", 2, "json")
    with pytest.raises(InputError, match=rf"\[E111\] {path}:2: invalid JSON"):
        read_labelled(path)
    with pytest.raises(InputError, match=rf"\[E303\] {path}:2: invalid JSON"):
        read_activity(path)
    with pytest.raises(InputError, match=rf"\[E104\] {path}:2: invalid JSON"):
        normalize_file(str(path), str(tmp_path / "out.jsonl"))
    assert not (tmp_path / "out.jsonl").exists() and not partial_path(tmp_path / "out.jsonl").exists()
    with open_reader(path) as reader:
        assert [(i.code, i.line) for _, i in reader if isinstance(i, RowError)] == [("E204", 2)]


def test_one_encoding_policy_utf8_unless_named(tmp_path):
    # A Windows-1252 file: every command stops at (or, predict, sets aside) the row, naming file,
    # line and field; with its encoding named, every command reads the same texts.
    path = _write(tmp_path / "posts.csv", ROWS, encoding="cp1252")
    with pytest.raises(InputError, match=rf"\[E110\] {path}:2: field 'text' holds bytes that are not UTF-8"):
        read_labelled(path)
    with pytest.raises(InputError, match=rf"\[E305\] {path}:2: field 'text' holds bytes that are not UTF-8"):
        read_activity(path)
    with pytest.raises(InputError, match=rf"\[E109\] {path}:2: field 'text' holds bytes that are not UTF-8"):
        normalize_file(str(path), str(tmp_path / "out.csv"))
    with open_reader(path) as reader:
        bad = [i for _, i in reader if isinstance(i, RowError)]
    assert [(b.code, b.line, b.field) for b in bad] == [("E208", 2, "text")]

    assert read_labelled(path, encoding="cp1252").texts == TEXTS
    assert read_activity(path, encoding="cp1252")[0]["text"].tolist() == TEXTS
    assert normalize_file(str(path), str(tmp_path / "out.csv"), encoding="cp1252") == 3
    with open_reader(path, encoding="cp1252") as reader:
        assert [i.text for _, i in reader] == TEXTS
    # a JSON Lines file that is not UTF-8: the line is the unit
    jsonl = _write(tmp_path / "posts.jsonl", ROWS, encoding="cp1252")
    with pytest.raises(InputError, match=rf"\[E110\] {jsonl}:1: the line holds bytes that are not UTF-8"):
        read_labelled(jsonl)
    assert read_labelled(jsonl, encoding="cp1252").texts == TEXTS


def test_a_utf8_byte_order_mark_is_skipped(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_bytes(b"\xef\xbb\xbf" + pd.DataFrame(ROWS).to_csv(index=False).encode("utf-8"))
    assert read_labelled(path).texts == TEXTS
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "".join(json.dumps(r) + "\n" for r in ROWS).encode("utf-8"))
    assert read_labelled(path).texts == TEXTS


def test_an_unknown_encoding_or_format_is_one_coded_error(tmp_path):
    with pytest.raises(InputError, match=r"\[E223\] unknown encoding 'klingon'"):
        check_encoding("klingon")
    with pytest.raises(InputError, match=r"\[E223\] encoding 'utf-16' is not supported"):
        read_labelled(_write(tmp_path / "p.csv", ROWS), encoding="utf-16")
    with pytest.raises(InputError, match=r"\[E201\] posts.xlsx: cannot tell the format from the name .*--input-format"):
        open_reader("posts.xlsx")
    assert table_format("x.TSV.GZ") == "tsv"


def test_a_json_array_over_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("netral_nlp.tables.readers.MAX_JSON_ARRAY_BYTES", 10)
    path = _write(tmp_path / "posts.json", ROWS)
    with pytest.raises(InputError, match=r"\[E117\] .*a JSON array larger than 10 bytes; write it as JSON Lines"):
        read_labelled(path)
    assert MAX_JSON_ARRAY_BYTES >= 64 * 1024 * 1024


def test_predict_reads_tsv_and_json_arrays(tmp_path):
    for name in ("posts.tsv", "posts.json"):
        path = _write(tmp_path / name, ROWS)
        summary = predict_file(path, tmp_path / f"{name}.out.jsonl", model="linear", keep=["label"])
        assert summary.rows_written == 3 and summary.rows_failed == 0
        out = [json.loads(line) for line in (tmp_path / f"{name}.out.jsonl").read_text(encoding="utf-8").splitlines()]
        assert [o["id"] for o in out] == ["p1", "p2", "p3"] and [o["input_label"] for o in out] == [r["label"] for r in ROWS]


def test_the_atomic_writer_leaves_nothing_half_written(tmp_path):
    target = tmp_path / "report.md"
    with pytest.raises(RuntimeError), atomic_file(target, "w") as fh:
        fh.write("half")
        raise RuntimeError("stopped")
    assert list(tmp_path.iterdir()) == []
    atomic_write(target, "whole\n")
    assert target.read_text(encoding="utf-8") == "whole\n" and not partial_path(target).exists()
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_file(target) as fh:
        fh.write(b"new")
        raise RuntimeError("stopped")
    assert target.read_text(encoding="utf-8") == "old\n"  # the former file stays whole


def test_files_become_readable_by_all(tmp_path):
    f = tmp_path / "model.safetensors"
    f.write_bytes(b"x")
    os.chmod(f, 0o600)
    old = os.umask(0o022)
    try:
        readable_by_all(tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(f.stat().st_mode) == 0o644


def test_a_gz_that_is_not_gzip_is_a_row_error_not_a_crash(tmp_path):
    path = tmp_path / "posts.jsonl.gz"
    path.write_bytes(b'{"id": "1", "text": "halo"}\n')  # named .gz, not compressed
    with open_table(path, codes=_CODES) as reader:
        items = [item for _, item in reader]
    assert [(i.code, i.kind) for i in items] == [("X11", "cut")] and "cannot be read past line 0" in items[0].reason

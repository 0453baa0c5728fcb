"""Streaming readers: every format, plain and gzip, bad rows with their line and code, skipping."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest
from batch_helpers import JSONL_JUNK, write_csv, write_jsonl, write_parquet

from netral_nlp.batch.readers import Row, RowError, check_row, guess_input_format, open_reader
from netral_nlp.errors import InputError


def _items(path, **kw):
    with open_reader(path, keep=kw.pop("keep", ["source"]), **kw) as reader:
        return [item for _, item in reader], reader.position


@pytest.mark.parametrize("name", ["in.jsonl", "in.jsonl.gz"])
def test_jsonl_rows_and_junk_with_lines_and_codes(tmp_path, posts, name):
    items, position = _items(write_jsonl(tmp_path / name, posts))
    rows = [i for i in items if isinstance(i, Row)]
    errors = [i for i in items if isinstance(i, RowError)]
    assert [r.id for r in rows] == posts["id"].tolist()
    assert [r.text for r in rows] == posts["text"].tolist()
    assert rows[0].keep == {"source": posts["source"][0]} and rows[0].line == 1
    assert [e.code for e in errors] == [code for _, code in JSONL_JUNK]
    # Line numbers count the blank line after the posts (it is not a row).
    assert [e.line for e in errors] == list(range(len(posts) + 2, len(posts) + 2 + len(JSONL_JUNK)))
    assert errors[0].raw == "{not json at all" and errors[1].id == "j-missing"
    assert position == len(posts) + 1 + len(JSONL_JUNK)


@pytest.mark.parametrize("name", ["in.csv", "in.csv.gz"])
def test_csv_rows_and_junk(tmp_path, posts, name):
    items, position = _items(write_csv(tmp_path / name, posts))
    rows = [i for i in items if isinstance(i, Row)]
    errors = [i for i in items if isinstance(i, RowError)]
    assert [r.text for r in rows] == posts["text"].tolist()  # quoted newlines and commas survive
    assert [(e.code, e.id) for e in errors] == [("E211", None), ("E206", "c-empty"), ("E208", "c-bytes"), ("E210", None)]
    assert position == len(posts) + 4
    # The line of a record is where it starts, counting the header and multi-line records.
    physical = (tmp_path / name).read_bytes()
    physical = gzip.decompress(physical) if name.endswith(".gz") else physical
    assert errors[0].line == physical.count(b"\n") - 3


@pytest.mark.parametrize("name", ["in.parquet", "in.parquet.gz"])
def test_parquet_rows_and_junk(tmp_path, posts, name):
    items, position = _items(write_parquet(tmp_path / name, posts), tmp_dir=tmp_path)
    rows = [i for i in items if isinstance(i, Row)]
    errors = [i for i in items if isinstance(i, RowError)]
    assert [r.id for r in rows] == posts["id"].tolist()
    assert [(e.code, e.id, e.line) for e in errors] == [("E205", "p-null", len(posts) + 1), ("E206", "p-empty", len(posts) + 2)]
    assert position == len(posts) + 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # the decompressed copy is gone


@pytest.mark.parametrize("writer,name", [(write_jsonl, "in.jsonl.gz"), (write_csv, "in.csv"), (write_parquet, "in.parquet")])
def test_skip_resumes_exactly_after_the_consumed_units(tmp_path, posts, writer, name):
    path = writer(tmp_path / name, posts)
    everything, end = _items(path)
    with open_reader(path, keep=["source"]) as reader:
        positions = [pos for pos, _ in reader]
    for cut in (0, 1, 49, 50, 51, 123, positions[-3], end):
        rest, rest_end = _items(path, skip=cut)
        already = sum(1 for p in positions if p <= cut)
        assert [(type(i), i.line) for i in rest] == [(type(i), i.line) for i in everything[already:]]
        assert rest_end == end


def test_check_row_rules_shared_by_every_format():
    ok = check_row({"id": 7.0, "text": "Ayo coblos 02!", "x": float("nan")}, line=3, text_key="text", id_key="id", keep=["x", "y"])
    assert ok == Row(3, "7", "Ayo coblos 02!", {"x": None, "y": None})
    assert check_row({"id": True, "text": "t"}, line=1, text_key="text", id_key="id").code == "E207"
    assert check_row({"id": "a", "text": float("nan")}, line=1, text_key="text", id_key="id").code == "E205"
    assert check_row({"id": "a", "text": b"\xff"}, line=1, text_key="text", id_key="id").code == "E208"
    assert check_row({"id": "a", "text": b"bytes ok"}, line=1, text_key="text", id_key="id").text == "bytes ok"
    assert check_row({"text": "t"}, line=4, text_key="text", id_key=None, fallback_id="f.jsonl:4").id == "f.jsonl:4"


def test_file_level_problems_raise_coded_input_errors(tmp_path, posts):
    with pytest.raises(InputError, match=r"\[E202\]"):
        open_reader(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match=r"\[E201\]"):
        guess_input_format(tmp_path / "posts.xlsx")
    write_csv(tmp_path / "in.csv", posts.rename(columns={"text": "body"}), junk=False)
    with pytest.raises(InputError, match=r"\[E212\].*'text'"):
        open_reader(tmp_path / "in.csv")
    posts.drop(columns=["id"]).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(InputError, match=r"\[E212\].*--id-key"):
        open_reader(tmp_path / "in.parquet")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match=r"\[E216\]"):
        open_reader(tmp_path / "bad.parquet")


def test_truncated_gzip_ends_the_file_with_one_error(tmp_path, posts):
    path = write_jsonl(tmp_path / "in.jsonl.gz", posts, junk=False)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a scraper killed mid-write
    items, _ = _items(path)
    assert all(isinstance(i, Row) for i in items[:-1]) and len(items) > 10
    assert isinstance(items[-1], RowError) and items[-1].code == "E216"


def test_reader_memory_is_one_batch_at_a_time(tmp_path, posts):
    # The Parquet reader reads record batches lazily: taking one row does not read the rest.
    path = write_parquet(tmp_path / "in.parquet", pd.concat([posts] * 20, ignore_index=True), junk=False)
    with open_reader(path) as reader:
        first = next(iter(reader))
        assert first[0] == 1 and reader.total == len(posts) * 20

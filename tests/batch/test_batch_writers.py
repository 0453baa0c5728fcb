"""Committed writers: a cut at the last commit leaves a valid file; empty results are valid too."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest
from batch_helpers import JSONL_JUNK, read_output

from netral_nlp.batch import predict_file
from netral_nlp.batch.writers import open_writer, output_columns

LABELS = ["campaign", "political_neutral", "non_political"]
COLUMNS = output_columns(LABELS, ["source"])


def _records(start: int, n: int) -> list[dict]:
    return [
        {
            "id": f"r{i}",
            "label": "campaign",
            "p_campaign": 0.9,
            "p_political_neutral": 0.05,
            "p_non_political": 0.05,
            "contestants": ["02"],
            "source": "s",
        }
        for i in range(start, start + n)
    ]


@pytest.mark.parametrize("name,fmt,gz", [("out.jsonl.gz", "jsonl", True), ("out.csv", "csv", False), ("out.parquet", "parquet", False)])
def test_reopening_at_a_commit_drops_what_came_after(tmp_path, name, fmt, gz):
    final = tmp_path / name
    writer = open_writer(final, fmt=fmt, gz=gz, columns=COLUMNS, labels=LABELS)
    writer.add(_records(0, 3))
    writer.commit()
    writer.add(_records(3, 2))
    state = writer.commit()  # the last checkpoint
    writer.add(_records(5, 4))
    writer.commit()  # committed to disk, but the process dies before the checkpoint records it
    writer.add(_records(9, 1))  # buffered only
    writer.close()

    resumed = open_writer(final, fmt=fmt, gz=gz, columns=COLUMNS, labels=LABELS, committed=state)
    resumed.add(_records(5, 5))
    resumed.finalize()
    rows = read_output(final)
    assert [r["id"] for r in rows] == [f"r{i}" for i in range(10)]
    assert rows[0]["contestants"] == ["02"] and rows[0]["p_campaign"] == 0.9
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz", "out.csv", "out.csv.gz", "out.parquet"])
def test_only_bad_rows_give_a_valid_empty_result(tmp_path, shipped_model, name):
    src = tmp_path / "junk.jsonl"
    src.write_bytes(b"".join(line for line, _ in JSONL_JUNK))
    summary = predict_file(src, tmp_path / name, model=shipped_model)
    assert (summary.rows_read, summary.rows_written, summary.rows_failed) == (len(JSONL_JUNK), 0, len(JSONL_JUNK))
    if name.endswith(".parquet"):
        assert list(pd.read_parquet(tmp_path / name).columns) == output_columns(LABELS)
    elif ".csv" in name:
        assert pd.read_csv(tmp_path / name).columns.tolist() == output_columns(LABELS)
    else:
        data = (tmp_path / name).read_bytes()
        assert (gzip.decompress(data) if name.endswith(".gz") else data) == b""
    assert len([json.loads(line) for line in summary.errors_file.read_text().splitlines()]) == len(JSONL_JUNK)

"""The corpus loader and the validating reader of users' labelled sets."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from netral_nlp.data import load_corpus, read_labelled
from netral_nlp.errors import InputError
from netral_nlp.models.base import LABELS


def test_corpus_splits_labels_and_no_leak() -> None:
    df = load_corpus(as_pandas=True)
    assert len(df) >= 5000
    counts = df["label"].value_counts()
    assert counts["campaign"] >= 1200 and counts["political_neutral"] >= 1200 and counts["non_political"] >= 1500
    assert set(df["split"]) == {"train", "dev", "test"}
    assert df["id"].is_unique
    # no text shared between splits, even after lower-casing and whitespace folding
    key = df["text"].str.lower().str.split().str.join(" ")
    assert key.groupby(key).apply(lambda g: df.loc[g.index, "split"].nunique()).max() == 1
    share = df["split"].value_counts(normalize=True)
    assert 0.65 < share["train"] < 0.75 and 0.12 < share["test"] < 0.18
    assert set(df["annotation"]) <= {"read-single", "read-double-agreed", "read-double-adjudicated"}
    assert df["licence"].ne("").all()


def test_corpus_as_datasets_and_filters() -> None:
    ds = load_corpus()
    assert set(ds.keys()) == {"train", "dev", "test"}
    test = load_corpus("test")
    assert test.num_rows == ds["test"].num_rows and "text" in test.column_names
    high = load_corpus("train", as_pandas=True, min_confidence="high")
    assert (high["confidence"] == "high").all() and 0 < len(high) < ds["train"].num_rows
    with pytest.raises(ValueError, match="unknown split"):
        load_corpus("validation")


def test_read_labelled_csv_jsonl_parquet_gz(tmp_path) -> None:
    rows = [
        {"id": "a", "text": "Ayo coblos 02! #2019GantiPresiden", "label": "campaign"},
        {"id": "b", "text": "Makan bakso enak", "label": "non_political"},
    ]
    pd.DataFrame(rows).to_csv(tmp_path / "s.csv", index=False)
    pd.DataFrame(rows).to_parquet(tmp_path / "s.parquet")
    with gzip.open(tmp_path / "s.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    for name in ("s.csv", "s.parquet", "s.jsonl.gz"):
        ls = read_labelled(tmp_path / name)
        assert ls.texts == [r["text"] for r in rows] and ls.labels == ["campaign", "non_political"] and ls.ids == ["a", "b"]
        assert "2 labelled posts" in ls.summary()


def test_read_labelled_reports_every_problem_with_line_and_field(tmp_path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("id,text,label\n1,Halo,campaign\n2,,campaign\n3,Pilih dia,kampanye\n1,Dupe,non_political\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_labelled(p)
    msg = str(e.value)
    assert f"{p}:3: field 'text' is empty" in msg
    assert f"{p}:4: field 'label' has unknown label 'kampanye'; allowed: {', '.join(LABELS)}" in msg
    assert f"{p}:5: field 'id' duplicates id '1' of line 2" in msg
    assert msg.startswith("[E114]")


def test_read_labelled_missing_column_bad_json_bad_encoding_wrong_type(tmp_path) -> None:
    p = tmp_path / "nolabel.csv"
    p.write_text("id,text\n1,Halo\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"missing column\(s\) \['label'\]"):
        read_labelled(p)
    j = tmp_path / "x.jsonl"
    j.write_text('{"text": "ok", "label": "campaign"}\n{not json}\n', encoding="utf-8")
    with pytest.raises(InputError, match=rf"{j}:2: invalid JSON"):
        read_labelled(j)
    b = tmp_path / "latin.csv"
    b.write_bytes("text,label\nCaf\xe9 enak,non_political\n".encode("latin-1"))
    with pytest.raises(InputError, match=rf"{b}:2: bytes that are not UTF-8"):
        read_labelled(b)
    t = tmp_path / "num.jsonl"
    t.write_text('{"text": 123, "label": "campaign"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=rf"{t}:1: field 'text' is int, expected text"):
        read_labelled(t)
    with pytest.raises(FileNotFoundError):
        read_labelled(tmp_path / "missing.csv")

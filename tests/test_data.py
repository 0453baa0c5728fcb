"""The corpus loader and the validating reader of users' labelled sets."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

import netral_nlp.data as data_module
from netral_nlp.data import POSTS2024_LICENCES, clean_post_text, load_corpus, posts2024_path, read_labelled, text_sha256
from netral_nlp.errors import InputError
from netral_nlp.labels import LABELS

needs_posts2024 = pytest.mark.skipif(
    not posts2024_path().is_dir(), reason="../shared/data/posts2024 (the 2024 texts the corpus joins) is not beside the checkout"
)


@needs_posts2024
def test_corpus_splits_labels_and_no_leak() -> None:
    df = load_corpus(as_pandas=True)
    assert len(df) >= 17000 and (df["text"] != "").all()
    counts = df["label"].value_counts()
    assert counts["campaign"] >= 6000 and counts["political_neutral"] >= 6000 and counts["non_political"] >= 4000
    assert set(df["split"]) == {"train", "dev", "test"}
    assert df["id"].is_unique
    # no text shared between splits, even after lower-casing and whitespace folding
    key = df["text"].str.lower().str.split().str.join(" ")
    assert key.groupby(key).apply(lambda g: df.loc[g.index, "split"].nunique()).max() == 1
    share = df["split"].value_counts(normalize=True)
    assert 0.65 < share["train"] < 0.75 and 0.12 < share["test"] < 0.18
    assert df["annotation"].str.startswith("read-").all()
    assert df["licence"].ne("").all()


@needs_posts2024
def test_corpus_v2_mix_meets_the_2024_minimums() -> None:
    df = load_corpus(as_pandas=True)
    new = df[df["source"].isin(POSTS2024_LICENCES)]
    counts = new["label"].value_counts()
    assert len(new) >= 9000
    assert counts["campaign"] >= 3000 and counts["political_neutral"] >= 3000 and counts["non_political"] >= 2000
    types = new.loc[new["label"] == "campaign", "campaign_type"].value_counts()
    assert types["promote"] >= 1200 and types["attack"] >= 800
    assert (new["label"] == "campaign").eq(new["campaign_type"] != "").all()
    per_source = new["source"].value_counts()
    assert per_source.max() <= 0.20 * len(new) and per_source.min() >= 200 and len(per_source) == 14
    assert (new["platform"] == "youtube").sum() >= 1500 and (new["platform"] == "tiktok").sum() >= 1500
    pilkada = ["larassetyadita_pilgubjakarta_twitter", "rahmaputri_pilkadajatim_twitter", "salatid_pilkadabanten_youtube"]
    assert new["source"].isin([*pilkada, "andihisyam_pilkada2024_twitter"]).sum() >= 2000


def test_committed_corpus_keeps_unlicensed_texts_out() -> None:
    raw = pd.read_csv(data_module.corpus_path(), dtype=str, keep_default_na=False)
    new = raw[raw["source"].isin(POSTS2024_LICENCES)]
    unlicensed = new["source"].map(POSTS2024_LICENCES) != "MIT"
    assert unlicensed.sum() > 5000 and (new.loc[unlicensed, "text"] == "").all()
    assert (new.loc[~unlicensed, "text"] != "").all()
    assert new["text_sha256"].str.fullmatch(r"[0-9a-f]{64}").all()


def _tiny_posts2024(tmp_path, rows):
    """A posts2024 folder and a corpus.csv whose unlicensed rows keep only id, label and hash."""
    folder = tmp_path / "posts2024"
    (folder / "rizano26_pemilu2024_twitter").mkdir(parents=True)
    with open(folder / "rizano26_pemilu2024_twitter" / "posts.jsonl", "w", encoding="utf-8") as fh:
        for sid, text in rows:
            fh.write(json.dumps({"source_id": sid, "text": text, "orig_label": None, "date": None, "platform": "twitter"}) + "\n")
    corpus = pd.DataFrame(
        [
            {
                "id": "old1",
                "text": "Ayo coblos 02!",
                "label": "campaign",
                "source": "ibrohim2019_hs",
                "source_id": "1",
                "split": "train",
                "confidence": "high",
                "text_sha256": "",
            },
            *[
                {
                    "id": f"new{sid}",
                    "text": "",
                    "label": "political_neutral",
                    "source": "rizano26_pemilu2024_twitter",
                    "source_id": sid,
                    "split": "test",
                    "confidence": "high",
                    "text_sha256": text_sha256(text),
                }
                for sid, text in rows
            ],
        ]
    )
    corpus.to_csv(tmp_path / "corpus.csv", index=False)
    return folder, tmp_path / "corpus.csv"


def test_loader_joins_unlicensed_texts_and_checks_their_hash(tmp_path) -> None:
    rows = [("11", "KPU &amp; Bawaslu<br>awasi Pemilu 2024 ðŸ‘‡"), ("12", "Jadwal debat capres diumumkan")]
    folder, corpus = _tiny_posts2024(tmp_path, rows)
    df = load_corpus(as_pandas=True, path=corpus, posts2024=folder)
    assert len(df) == 3
    got = dict(zip(df["id"], df["text"], strict=True))
    assert got["new11"] == clean_post_text(rows[0][1]) == "KPU & Bawaslu\nawasi Pemilu 2024 👇"
    assert got["new12"] == rows[1][1]


def test_loader_says_once_how_many_rows_are_missing_and_how_to_get_them(tmp_path, caplog, monkeypatch) -> None:
    _, corpus = _tiny_posts2024(tmp_path, [("11", "Jadwal debat capres diumumkan"), ("12", "Pemilu damai")])
    monkeypatch.setattr(data_module, "_WARNED", set())
    missing = tmp_path / "nowhere"
    with caplog.at_level("WARNING", logger="netral_nlp"):
        first = load_corpus(as_pandas=True, path=corpus, posts2024=missing)
        second = load_corpus(as_pandas=True, path=corpus, posts2024=missing)
    assert list(first["id"]) == ["old1"] and list(second["id"]) == ["old1"]
    messages = [r.getMessage() for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(messages) == 1
    assert "2 of 3 corpus rows" in messages[0] and "not found" in messages[0] and "NETRAL_POSTS2024" in messages[0]


def test_loader_drops_a_text_that_changed_since_labelling(tmp_path, caplog, monkeypatch) -> None:
    folder, corpus = _tiny_posts2024(tmp_path, [("11", "Jadwal debat capres diumumkan")])
    path = folder / "rizano26_pemilu2024_twitter" / "posts.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace("diumumkan", "DIUBAH"), encoding="utf-8")
    monkeypatch.setattr(data_module, "_WARNED", set())
    monkeypatch.setattr(data_module, "_SOURCE_TEXTS", {})
    with caplog.at_level("WARNING", logger="netral_nlp"):
        df = load_corpus(as_pandas=True, path=corpus, posts2024=folder)
    assert list(df["id"]) == ["old1"]
    assert any("1 differ from the labelled text" in r.getMessage() for r in caplog.records)


@needs_posts2024
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
    with pytest.raises(InputError, match=rf"{b}:2: field 'text' holds bytes that are not UTF-8"):
        read_labelled(b)
    t = tmp_path / "num.jsonl"
    t.write_text('{"text": 123, "label": "campaign"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=rf"{t}:1: field 'text' is int, expected text"):
        read_labelled(t)
    with pytest.raises(FileNotFoundError):
        read_labelled(tmp_path / "missing.csv")

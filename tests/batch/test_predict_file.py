"""predict_file end to end on real posts: every format, bad rows, election, keep, overwrite
rules, interrupted runs resumed (in process), and worker processes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from batch_helpers import JSONL_JUNK, read_errors, read_output, write_csv, write_jsonl, write_parquet

from netral_nlp.batch import checkpoint_path, predict_file
from netral_nlp.batch.workers import Scorer
from netral_nlp.errors import InputError

WRITERS = {"jsonl": write_jsonl, "csv": write_csv, "parquet": write_parquet}
#: Rows in error each input writer adds.
JUNK_ROWS = {"jsonl": len(JSONL_JUNK), "csv": 4, "parquet": 2}


def _expected(model, posts: pd.DataFrame) -> dict[str, dict]:
    proba = model.predict_proba(posts["text"].tolist())
    labels = model.predict(posts["text"].tolist())
    out = {}
    for pid, text, p, lab in zip(posts["id"], posts["text"], proba, labels, strict=True):
        out[pid] = {"label": lab, "proba": p, "contestants": model.normalizer.contestants(text)}
    return out


@pytest.mark.parametrize(
    "input_name,output_name",
    [
        ("in.jsonl", "out.jsonl"),
        ("in.jsonl.gz", "out.csv.gz"),
        ("in.csv", "out.parquet"),
        ("in.csv.gz", "out.jsonl.gz"),
        ("in.parquet", "out.csv"),
        ("in.parquet.gz", "out.jsonl"),
    ],
)
def test_every_format_in_and_out(tmp_path, posts, shipped_model, input_name, output_name):
    kind = input_name.split(".")[1]
    src = WRITERS[kind](tmp_path / input_name, posts)
    summary = predict_file(src, tmp_path / output_name, model=shipped_model, keep=["source"], batch_size=64)

    rows = read_output(tmp_path / output_name)
    assert [r["id"] for r in rows] == posts["id"].tolist()  # every good row, in input order
    expected = _expected(shipped_model, posts)
    for r in rows:
        e = expected[r["id"]]
        assert r["label"] == e["label"]
        assert [r["p_campaign"], r["p_political_neutral"], r["p_non_political"]] == pytest.approx(e["proba"].tolist(), abs=1e-6)
        assert r["contestants"] == e["contestants"]
    assert rows[0]["source"] == posts["source"][0]
    assert any(r["contestants"] for r in rows)  # the sample has posts naming contestants

    errors = read_errors(summary.errors_file)
    assert len(errors) == JUNK_ROWS[kind] and all(e["code"].startswith("E2") and e["line"] for e in errors)
    assert summary.rows_read == summary.rows_written + summary.rows_failed == len(posts) + JUNK_ROWS[kind]
    assert summary.rows_written == len(posts) and summary.errors_by_code == pd.Series([e["code"] for e in errors]).value_counts().to_dict()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([input_name, output_name, summary.errors_file.name])


def test_jsonl_errors_file_names_line_reason_and_raw_row(tmp_path, posts, shipped_model):
    src = write_jsonl(tmp_path / "in.jsonl", posts.head(5))
    summary = predict_file(src, tmp_path / "out.jsonl", model=shipped_model)
    errors = read_errors(tmp_path / "out.errors.jsonl")
    assert [e["code"] for e in errors] == [code for _, code in JSONL_JUNK]
    first = errors[0]
    assert first == {"file": str(src), "line": 7, "id": None, "code": "E204", "reason": first["reason"], "raw": "{not json at all"}
    assert "invalid JSON" in first["reason"]
    assert errors[3]["id"] == "j-int" and "int, expected a string" in errors[3]["reason"]
    assert "E204: 1" in str(summary) and "5 written" in str(summary)


def test_contestants_follow_the_election(tmp_path, corpus, shipped_model):
    picked = corpus.set_index("id").loc[["00032c454488", "0241f843d722"]].reset_index()[["id", "text"]]
    src = write_jsonl(tmp_path / "in.jsonl", picked, junk=False)
    predict_file(src, tmp_path / "default.jsonl", model=shipped_model)
    predict_file(src, tmp_path / "p2024.jsonl", model=shipped_model, election="pemilu-2024")
    default = {r["id"]: r["contestants"] for r in read_output(tmp_path / "default.jsonl")}
    p2024 = {r["id"]: r["contestants"] for r in read_output(tmp_path / "p2024.jsonl")}
    # "#ILCJokowiPrabowo...": both pairs of 2019 (the model's election); only Prabowo (02) in 2024.
    assert default == {"00032c454488": ["01", "02"], "0241f843d722": []}
    # "Saat Anies Berbincang ...": Anies is pair 01 of 2024.
    assert p2024 == {"00032c454488": ["02"], "0241f843d722": ["01"]}
    assert shipped_model.election == "pilpres-2019"  # the caller's model is left as it was


def test_keep_columns_colliding_names_and_numbered_ids(tmp_path, posts, shipped_model):
    src = write_jsonl(tmp_path / "in.jsonl", posts.head(20).drop(columns=["id"]), junk=False)
    predict_file(src, tmp_path / "out.jsonl", model=shipped_model, id_key=None, keep=["label", "source", "absent"])
    rows = read_output(tmp_path / "out.jsonl")
    assert list(rows[0]) == [
        "id",
        "label",
        "p_campaign",
        "p_political_neutral",
        "p_non_political",
        "contestants",
        "input_label",
        "source",
        "absent",
    ]
    assert [r["id"] for r in rows[:2]] == ["in.jsonl:1", "in.jsonl:2"]
    assert [r["input_label"] for r in rows] == posts["label"].head(20).tolist() and rows[0]["absent"] is None


def test_several_inputs_in_order_with_one_summary(tmp_path, posts, shipped_model):
    a = write_jsonl(tmp_path / "a.jsonl.gz", posts.head(30))
    b = write_csv(tmp_path / "b.csv", posts.tail(40))
    summary = predict_file([a, b], tmp_path / "out.parquet", model=shipped_model, batch_size=16)
    rows = read_output(tmp_path / "out.parquet")
    assert [r["id"] for r in rows] == posts["id"].head(30).tolist() + posts["id"].tail(40).tolist()
    assert summary.rows_read == 70 + len(JSONL_JUNK) + 4 == summary.rows_written + summary.rows_failed
    assert {e["file"] for e in read_errors(summary.errors_file)} == {str(a), str(b)}


def test_refuses_to_overwrite_without_force(tmp_path, posts, shipped_model):
    src = write_jsonl(tmp_path / "in.jsonl", posts.head(10), junk=False)
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n")
    with pytest.raises(InputError, match=r"\[E203\].*--force"):
        predict_file(src, out, model=shipped_model)
    assert out.read_text() == "precious\n"
    predict_file(src, out, model=shipped_model, force=True)
    assert len(read_output(out)) == 10
    with pytest.raises(InputError, match=r"\[E215\]"):
        predict_file(src, src, model=shipped_model, force=True, format="jsonl")
    with pytest.raises(InputError, match=r"\[E201\]"):
        predict_file(src, tmp_path / "out.xlsx", model=shipped_model)


class _Stop:
    """Raise KeyboardInterrupt (a Ctrl-C) on the n-th call of the scorer."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
        self.calls = 0
        original = Scorer.__call__

        def call(scorer, texts):
            self.calls += 1
            if self.calls == n:
                raise KeyboardInterrupt
            return original(scorer, texts)

        monkeypatch.setattr(Scorer, "__call__", call)


@pytest.mark.parametrize("input_name,output_name", [("in.jsonl.gz", "out.jsonl"), ("in.csv", "out.csv.gz"), ("in.parquet", "out.parquet")])
def test_interrupted_run_resumes_every_row_once(tmp_path, posts, shipped_model, monkeypatch, input_name, output_name):
    kind = input_name.split(".")[1]
    src = WRITERS[kind](tmp_path / input_name, posts)
    opts = {"model": shipped_model, "keep": ["source"], "batch_size": 16, "checkpoint_rows": 40}
    (tmp_path / "reference").mkdir()
    predict_file(src, tmp_path / "reference" / output_name, **opts)
    reference = read_output(tmp_path / "reference" / output_name)

    out = tmp_path / output_name
    with monkeypatch.context() as m:
        _Stop(m, n=9)
        with pytest.raises(KeyboardInterrupt):
            predict_file(src, out, **opts)
    assert not out.exists() and checkpoint_path(out).exists()  # never a half result under the real name
    with pytest.raises(InputError, match=r"\[E214\].*--resume"):
        predict_file(src, out, **opts)
    summary = predict_file(src, out, resume=True, **opts)
    assert summary.resumed and 0 < summary.rows_this_run < summary.rows_read
    assert read_output(out) == reference
    assert summary.rows_read == summary.rows_written + summary.rows_failed == len(posts) + JUNK_ROWS[kind]
    assert len(read_errors(summary.errors_file)) == JUNK_ROWS[kind]
    assert not checkpoint_path(out).exists()


def test_resume_cuts_bytes_written_after_the_last_checkpoint(tmp_path, posts, shipped_model, monkeypatch):
    src = write_jsonl(tmp_path / "in.jsonl", posts)
    out = tmp_path / "out.jsonl"
    opts = {"model": shipped_model, "batch_size": 16, "checkpoint_rows": 40}
    with monkeypatch.context() as m:
        _Stop(m, n=7)
        with pytest.raises(KeyboardInterrupt):
            predict_file(src, out, **opts)
    # A kill between a write and its checkpoint leaves rows the checkpoint does not count.
    committed = json.loads(checkpoint_path(out).read_text())["output_state"]
    partial = tmp_path / "out.jsonl.partial"
    assert partial.stat().st_size == committed > 0
    with open(partial, "ab") as fh:
        fh.write(b'{"id": "half a row that was never committed", "lab')
    summary = predict_file(src, out, resume=True, **opts)
    rows = read_output(out)
    assert [r["id"] for r in rows] == posts["id"].tolist()
    assert summary.rows_written == len(posts)


def test_resume_checks_settings_and_inputs(tmp_path, posts, shipped_model, monkeypatch):
    src = write_jsonl(tmp_path / "in.jsonl", posts)
    out = tmp_path / "out.jsonl"
    opts = {"model": shipped_model, "batch_size": 16, "checkpoint_rows": 40}
    with monkeypatch.context() as m:
        _Stop(m, n=5)
        with pytest.raises(KeyboardInterrupt):
            predict_file(src, out, **opts)
    with pytest.raises(InputError, match=r"\[E213\].*election"):
        predict_file(src, out, resume=True, election="pemilu-2024", **opts)
    with open(src, "ab") as fh:
        fh.write(b'{"id": "late", "text": "a row appended after the run started"}\n')
    with pytest.raises(InputError, match=r"\[E213\].*changed"):
        predict_file(src, out, resume=True, **opts)
    summary = predict_file(src, out, force=True, **opts)  # --force starts over
    assert not summary.resumed and summary.rows_written == len(posts) + 1


def test_resume_without_checkpoint_is_a_fresh_run(tmp_path, posts, shipped_model):
    src = write_jsonl(tmp_path / "in.jsonl", posts.head(10), junk=False)
    summary = predict_file(src, tmp_path / "out.jsonl", model=shipped_model, resume=True)
    assert summary.rows_written == 10 and not summary.resumed


def test_two_workers_give_the_same_output_in_input_order(tmp_path, posts, shipped_model):
    src = write_jsonl(tmp_path / "in.jsonl.gz", pd.concat([posts, posts.assign(id=posts["id"] + "-b")], ignore_index=True))
    inline = predict_file(src, tmp_path / "one.jsonl", model=shipped_model, batch_size=32, election="pemilu-2024")
    pooled = predict_file(src, tmp_path / "two.jsonl", model=None, workers=2, batch_size=32, election="pemilu-2024", checkpoint_rows=64)
    assert read_output(tmp_path / "two.jsonl") == read_output(tmp_path / "one.jsonl")
    assert (pooled.rows_read, pooled.rows_failed) == (inline.rows_read, inline.rows_failed)
    with pytest.raises(InputError, match=r"\[E215\].*folder"):
        predict_file(src, tmp_path / "x.jsonl", model=shipped_model, workers=2)


def test_cache_gives_the_same_results_as_no_cache(shipped_model, posts):
    texts = (posts["text"].tolist() * 3)[::-1]
    cached, plain = Scorer(shipped_model, cache_size=50), Scorer(shipped_model, cache_size=0)
    a = [cached(texts[i : i + 64]) for i in range(0, len(texts), 64)]
    b = plain(texts)
    np.testing.assert_allclose(np.vstack([s.proba for s in a]), b.proba, atol=1e-7)
    assert np.concatenate([s.label_index for s in a]).tolist() == b.label_index.tolist()
    assert [c for s in a for c in s.contestants] == b.contestants
    assert cached.cache is not None and len(cached.cache) == 50


def test_a_text_key_that_no_jsonl_row_has_is_one_file_error_before_anything_is_written(tmp_path, posts, shipped_model):
    # The newcomer's mistake: `--text-key body` on posts that call it `text`. It used to give an
    # empty output, one error row per post and exit 0.
    src = tmp_path / "in.jsonl"
    write_jsonl(src, posts.head(80))
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.errors.jsonl").write_text('{"line": 1}\n', encoding="utf-8")  # another run's errors file
    with pytest.raises(InputError, match=r"E212.*'body' is in none of its first 50 rows; their fields: id, text") as err:
        predict_file(src, out, model=shipped_model, text_key="body")
    assert "check --text-key" in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.errors.jsonl"]  # nothing written


def test_rows_without_the_text_field_after_one_with_it_are_row_errors(tmp_path, posts, shipped_model):
    src = tmp_path / "in.jsonl"
    rows = [json.dumps({"id": "x1", "body": "no text field here"})]
    rows += [json.dumps({"id": r.id, "text": r.text}) for r in posts.head(5).itertuples()]
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    summary = predict_file(src, tmp_path / "out.jsonl", model=shipped_model)
    assert summary.rows_written == 5 and summary.rows_failed == 1
    assert read_errors(tmp_path / "out.errors.jsonl")[0]["code"] == "E205"

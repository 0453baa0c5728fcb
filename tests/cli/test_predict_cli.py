"""``netral-nlp predict``: a thin wrapper over netral_nlp.batch.predict_file, on real posts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from netral_nlp.cli.app import app
from netral_nlp.models import MODELS_DIR, SHIPPED_MODELS, load_model

CORPUS = Path(__file__).resolve().parents[2] / "data" / "netral-corpus" / "corpus.csv"


@pytest.fixture(scope="module")
def model():
    if not (MODELS_DIR / SHIPPED_MODELS["linear"] / "netral_config.json").is_file():
        pytest.skip("the shipped model is missing")
    return load_model("linear")  # what `predict` runs here (tests/cli/conftest.py)


@pytest.fixture
def posts_file(tmp_path, monkeypatch, model) -> Path:
    """50 real posts as JSONL, then two junk lines; the command reuses the loaded model."""
    if not CORPUS.is_file():
        pytest.skip(f"corpus not found at {CORPUS}")
    monkeypatch.setattr("netral_nlp.batch.workers.load_model", lambda path=None, **kw: model)
    posts = pd.read_csv(CORPUS, dtype=str, keep_default_na=False).query("text != ''").head(50)
    lines = [json.dumps({"id": r["id"], "text": r["text"], "source": r["source"]}, ensure_ascii=False) for r in posts.to_dict("records")]
    lines += ['{"id": "bad-1", "text": ', '{"id": "bad-2", "text": ""}']
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _invoke(*args: str):
    return CliRunner().invoke(app, ["predict", *args])


def test_predict_writes_results_errors_and_summary(posts_file, tmp_path):
    out = tmp_path / "pred.jsonl"
    res = _invoke(str(posts_file), "-o", str(out), "--keep", "source", "--election", "pemilu-2024")
    assert res.exit_code == 0, res.output
    assert f"read 52 rows: 50 written -> {out}, 2 in errors" in res.output and "E204: 1, E206: 1" in res.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 50 and set(rows[0]) == {
        "id",
        "label",
        "p_campaign",
        "p_political_neutral",
        "p_non_political",
        "contestants",
        "source",
    }
    errors = [json.loads(line) for line in (tmp_path / "pred.errors.jsonl").read_text().splitlines()]
    assert [(e["line"], e["code"]) for e in errors] == [(51, "E204"), (52, "E206")]


def test_predict_refuses_to_overwrite_and_force_overwrites(posts_file, tmp_path):
    out = tmp_path / "pred.csv"
    assert _invoke(str(posts_file), "-o", str(out), "--quiet").exit_code == 0
    again = _invoke(str(posts_file), "-o", str(out))
    assert again.exit_code == 2 and "[E203]" in again.output and "--force" in again.output
    forced = _invoke(str(posts_file), "-o", str(out), "--force", "--quiet")
    assert forced.exit_code == 0 and forced.output == ""  # --quiet: no bar, no summary
    assert len(pd.read_csv(out)) == 50
    both = _invoke(str(posts_file), "-o", str(out), "--force", "--resume")
    assert both.exit_code == 2


def test_predict_formats_from_options(posts_file, tmp_path):
    odd_in = tmp_path / "dump.txt"
    odd_in.write_bytes(posts_file.read_bytes())
    out = tmp_path / "pred.out"
    res = _invoke(
        str(odd_in),
        "-o",
        str(out),
        "--input-format",
        "jsonl",
        "--format",
        "parquet",
        "--errors",
        str(tmp_path / "bad.jsonl"),
        "--id-key",
        "",
    )
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(out)
    assert len(df) == 50 and df["id"].iloc[0] == "dump.txt:1"
    assert len((tmp_path / "bad.jsonl").read_text().splitlines()) == 2
    missing = _invoke(str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "x.jsonl"))
    assert missing.exit_code == 2 and "[E202]" in missing.output
    unknown = _invoke(str(odd_in), "-o", str(tmp_path / "x.jsonl"))
    assert unknown.exit_code == 2 and "[E201]" in unknown.output and "--input-format" in unknown.output


def test_predict_help_lists_the_options():
    res = CliRunner().invoke(app, ["predict", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    for option in (
        "--output",
        "--model",
        "--text-key",
        "--id-key",
        "--keep",
        "--election",
        "--batch-size",
        "--workers",
        "--format",
        "--force",
        "--resume",
        "--quiet",
    ):
        assert option in res.output

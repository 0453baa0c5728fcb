"""`netral-nlp train` and `netral-nlp evaluate` through the Typer app."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from netral_nlp.cli.app import app
from netral_nlp.data import load_corpus

runner = CliRunner()


def test_train_then_evaluate_json(tmp_path) -> None:
    data = tmp_path / "mine.jsonl"
    load_corpus("train", as_pandas=True).sample(800, random_state=2)[["text", "label"]].to_json(
        data, orient="records", lines=True, force_ascii=False
    )
    out = tmp_path / "model"
    res = runner.invoke(app, ["train", "--data", str(data), "--model", "linear", "--out", str(out), "--seed", "1"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output.strip().splitlines()[-1])
    assert summary["split"] == "dev" and summary["macro_f1"] > 0.4
    assert (out / "model.safetensors").exists()
    res = runner.invoke(app, ["train", "--data", str(data), "--out", str(out)])
    assert res.exit_code != 0 and "--force" in res.output
    res = runner.invoke(app, ["evaluate", str(out), "--data", "corpus:dev", "--format", "json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["n"] == len(load_corpus("dev", as_pandas=True)) and "confusion_matrix" in report


def test_evaluate_writes_a_markdown_report(tmp_path) -> None:
    res = runner.invoke(app, ["evaluate", "fast", "--out", str(tmp_path)])  # a shipped name; the default is checked in tests/models
    assert res.exit_code == 0, res.output
    assert "macro-F1" in res.output and (tmp_path / "report.md").exists() and (tmp_path / "reliability.png").exists()


def test_help_is_readable() -> None:
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    for cmd in ("train", "evaluate", "normalize"):
        assert cmd in res.output


def test_train_reads_a_users_file_in_its_encoding_and_columns(tmp_path) -> None:
    # a spreadsheet export: Windows-1252, the user's own column names
    frame = load_corpus("train", as_pandas=True).sample(300, random_state=4)[["text", "label"]]
    frame = frame.rename(columns={"text": "isi", "label": "kelas"})
    frame.loc[frame.index[0], "isi"] = "Café di Bekasi – enak sekali"  # é and an en dash: bytes that are not UTF-8 in cp1252
    data = tmp_path / "mine.csv"
    data.write_bytes(frame.to_csv(index=False).encode("cp1252", errors="replace"))
    out = tmp_path / "model"
    plain = runner.invoke(app, ["train", "--data", str(data), "--out", str(out), "--text-key", "isi", "--label-key", "kelas"])
    assert plain.exit_code == 2 and "E1" in plain.output and "utf-8" in plain.output.lower(), plain.output
    res = runner.invoke(
        app, ["train", "--data", str(data), "--out", str(out), "--text-key", "isi", "--label-key", "kelas", "--encoding", "cp1252"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output.strip().splitlines()[-1])["split"] == "dev"
    wrong = runner.invoke(app, ["train", "--data", str(data), "--out", str(tmp_path / "m2"), "--encoding", "cp1252"])
    assert wrong.exit_code == 2 and "text" in wrong.output, wrong.output  # default columns: text, label

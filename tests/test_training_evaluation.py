"""TrainingArguments, train() on a user's labelled file, reproducibility, evaluation reports."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from netral_nlp.data import load_corpus
from netral_nlp.evaluation import evaluate, expected_calibration_error, write_report
from netral_nlp.models import load_model
from netral_nlp.training import TrainingArguments, train


def test_arguments_validate_and_round_trip(tmp_path) -> None:
    args = TrainingArguments(model="linear", C=2.0, seed=3)
    assert TrainingArguments.from_dict(args.to_dict()) == args
    (tmp_path / "a.yaml").write_text("model: linear\nC: 0.5\nelection: null\n")
    loaded = TrainingArguments.from_file(tmp_path / "a.yaml")
    assert loaded.C == 0.5 and loaded.election is None and loaded.resolved_preset == "linear"
    assert TrainingArguments(model="some/encoder").resolved_preset == "transformer"
    with pytest.raises(ValueError, match="unknown training argument"):
        TrainingArguments.from_dict({"modle": "linear"})
    with pytest.raises(ValueError, match="C must be > 0"):
        TrainingArguments(C=0)
    (tmp_path / "evil.yaml").write_text("!!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(Exception, match=r"could not determine a constructor|python/object"):
        TrainingArguments.from_file(tmp_path / "evil.yaml")


@pytest.fixture(scope="module")
def user_file(tmp_path_factory) -> str:
    df = load_corpus("train", as_pandas=True).sample(1200, random_state=1)
    path = tmp_path_factory.mktemp("labelled") / "mine.csv"
    df[["id", "text", "label"]].to_csv(path, index=False)
    return str(path)


def test_train_on_user_file_is_reproducible_and_saved(user_file: str, tmp_path) -> None:
    args = TrainingArguments(model="linear", seed=7, election="pilpres-2019")
    m1, r1 = train(user_file, args, out=tmp_path / "m1")
    m2, _ = train(user_file, args)
    texts = load_corpus("test", as_pandas=True)["text"].tolist()[:100]
    np.testing.assert_array_equal(m1.predict_proba(texts), m2.predict_proba(texts))
    assert r1["sizes"] == {"train": 960, "dev": 240} and "test" not in r1
    assert r1["dev"]["macro_f1"] > 0.5
    saved = json.loads((tmp_path / "m1" / "training_report.json").read_text())
    assert saved["training_arguments"]["seed"] == 7
    assert load_model(tmp_path / "m1").metadata["training"]["arguments"]["seed"] == 7


def test_evaluate_report_files_and_figures(tmp_path) -> None:
    report = evaluate(load_model("fast"), "corpus:dev")
    n_dev = len(load_corpus("dev", as_pandas=True))
    assert report["n"] == n_dev > 1000 and 0 <= report["ece"] <= 1  # 1,477 without ../shared/data/posts2024
    assert sum(map(sum, report["confusion_matrix"])) == n_dev
    assert set(report["per_class"]) == {"campaign", "political_neutral", "non_political"}
    curve = report["campaign_pr_curve"]
    assert [c["threshold"] for c in curve] == sorted(c["threshold"] for c in curve)
    assert curve[0]["recall"] >= curve[-1]["recall"]
    write_report(report, tmp_path)
    for name in ("report.json", "report.md", "confusion_matrix.png", "reliability.png", "campaign_pr.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert (tmp_path / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"
    assert "macro-F1" in (tmp_path / "report.md").read_text()


def test_ece_known_values() -> None:
    proba = np.array([[0.9, 0.1, 0.0], [0.9, 0.1, 0.0], [0.6, 0.4, 0.0], [0.6, 0.4, 0.0]])
    ece, bins = expected_calibration_error(proba, np.array([0, 0, 0, 1]))
    # bin 0.9: accuracy 1.0 vs 0.9 (weight 0.5); bin 0.6: accuracy 0.5 vs 0.6 (weight 0.5)
    assert ece == pytest.approx(0.5 * 0.1 + 0.5 * 0.1)
    assert len(bins) == 2


def test_evaluate_on_user_file_with_other_keys(tmp_path) -> None:
    df = pd.DataFrame({"isi": ["Ayo coblos 02! #2019GantiPresiden", "Martabak manis enak"], "kelas": ["campaign", "non_political"]})
    df.to_csv(tmp_path / "e.csv", index=False)
    r = evaluate(load_model(), tmp_path / "e.csv", text_key="isi", label_key="kelas")
    assert r["n"] == 2

"""Transfer protocols: which posts each fold trains and tests on, the summary, and resuming."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from netral_nlp.errors import InputError
from netral_nlp.protocols import PROTOCOLS, SOURCES_2024, folds, run_protocol
from netral_nlp.training import TrainingArguments


def _corpus() -> pd.DataFrame:
    """A small corpus: two old sources and three 2024 ones (Pilpres, Pilkada, non-political)."""
    texts = {
        "campaign": ["Ayo coblos nomor {} menang satu putaran", "Dukung terus paslon {} pemimpin hebat", "Jangan pilih {} pembohong"],
        "political_neutral": ["KPU umumkan jadwal debat ke {}", "Bawaslu awasi netralitas ASN tahap {}", "Sidang MK hari ke {}"],
        "non_political": ["Kopi susu gula aren enak {} kali", "Timnas menang lagi skor {}", "Konser idol grup hari {}"],
    }
    rows = []
    sources = [
        "ibrohim2019_hs",
        "indonlu_smsa",
        "ghazafm_pilpres2024_twitter",
        "rahmaputri_pilkadajatim_twitter",
        "fahrihilm_timnas_youtube",
    ]
    for s, source in enumerate(sources):
        for label, templates in texts.items():
            for i in range(12):
                split = "train" if i < 8 else ("dev" if i < 10 else "test")
                text = templates[i % 3].format(f"{s}{i}{label[:3]}")
                rows.append(
                    {"id": f"{source}-{label}-{i}", "text": text, "label": label, "source": source, "split": split, "confidence": "high"}
                )
    return pd.DataFrame(rows)


def test_leave_one_source_out_tests_on_every_post_of_the_source_left_out() -> None:
    corpus = _corpus()
    got = list(folds("loso-2024", corpus))
    assert [f.name for f in got] == [s for s in SOURCES_2024 if s in set(corpus["source"])]
    for f in got:
        assert set(f.test["source"]) == {f.name} and len(f.test) == (corpus["source"] == f.name).sum()
        assert f.name not in set(f.train["source"]) and f.name not in set(f.dev["source"])
        assert set(f.train["split"]) == {"train"} and set(f.dev["split"]) == {"dev"}


def test_older_newer_trains_on_old_and_pilpres_and_tests_on_pilkada() -> None:
    (fold,) = folds("older-newer", _corpus())
    assert set(fold.train["source"]) == {"ibrohim2019_hs", "indonlu_smsa", "ghazafm_pilpres2024_twitter"}
    assert set(fold.test["source"]) == {"rahmaputri_pilkadajatim_twitter"} and set(fold.test["split"]) == {"train", "dev", "test"}


def test_unknown_protocol_and_missing_2024_posts_are_coded_errors() -> None:
    with pytest.raises(InputError, match=r"\[E130\].*unknown protocol"):
        list(folds("leave-one-out", _corpus()))
    old_only = _corpus().query("source == 'ibrohim2019_hs'")
    with pytest.raises(InputError, match=r"\[E131\]"):
        list(folds("loso-2024", old_only))
    assert set(PROTOCOLS) == {"split", "loso-2024", "older-newer"}


def test_run_protocol_reports_folds_and_resumes_from_saved_folds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = TrainingArguments(model="linear", election=None, campaign_precision=0.5)
    only = ["ghazafm_pilpres2024_twitter", "fahrihilm_timnas_youtube"]
    result = run_protocol("loso-2024", args, corpus=_corpus(), only=only, out=tmp_path)
    assert set(result["folds"]) == set(only)
    assert result["summary"]["folds"] == 2 and result["summary"]["pooled"]["n"] == 72
    # a one-class fold's macro-F1 is over the class it has: a perfect model would score 1.0 there
    timnas = result["folds"]["fahrihilm_timnas_youtube"]
    assert 0.0 <= timnas["macro_f1_present"] <= 1.0 and timnas["macro_f1_present"] >= timnas["macro_f1"]
    assert json.loads((tmp_path / "summary.json").read_text())["protocol"] == "loso-2024"
    assert "| fold |" in (tmp_path / "summary.md").read_text()

    def no_training(*_a: object, **_k: object) -> None:
        raise AssertionError("a saved fold was trained again")

    monkeypatch.setattr("netral_nlp.training.train_on", no_training)
    again = run_protocol("loso-2024", args, corpus=_corpus(), only=only, out=tmp_path)
    assert again["summary"] == result["summary"]

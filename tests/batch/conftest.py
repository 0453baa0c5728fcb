"""Shared fixtures of the batch tests: real posts of the project corpus and the shipped model,
loaded once. File writers and readers are in ``batch_helpers.py``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from netral_nlp.models import DEFAULT_MODEL_ENV, MODELS_DIR, SHIPPED_MODELS, TextClassifier, load_model

LINEAR_MODEL_DIR = MODELS_DIR / SHIPPED_MODELS["linear"]

CORPUS = Path(__file__).resolve().parents[2] / "data" / "netral-corpus" / "corpus.csv"


@pytest.fixture(scope="session")
def corpus() -> pd.DataFrame:
    if not CORPUS.is_file():
        pytest.skip(f"corpus not found at {CORPUS}")
    df = pd.read_csv(CORPUS, dtype=str, keep_default_na=False)
    return df[df["text"] != ""].reset_index(drop=True)  # 2024 posts without a licence keep no text here


@pytest.fixture(scope="session")
def posts(corpus: pd.DataFrame) -> pd.DataFrame:
    """240 real posts sampled from the corpus (Pilpres 2019 posts among them name the
    contestants), as ``id``, ``text``, ``source``, ``label``."""
    sample = corpus.sample(n=240, random_state=7)[["id", "text", "source", "label"]]
    return sample.reset_index(drop=True)


@pytest.fixture(scope="session")
def shipped_model() -> TextClassifier:
    if not (LINEAR_MODEL_DIR / "netral_config.json").is_file():
        pytest.skip("the shipped model is missing")
    return load_model("linear")


@pytest.fixture
def cached_model_loads(monkeypatch: pytest.MonkeyPatch, shipped_model: TextClassifier) -> None:
    """Make in-process loads of the shipped model reuse the session's copy (2-3 s saved each)."""
    monkeypatch.setattr("netral_nlp.batch.workers.load_model", lambda path=None, **kw: shipped_model)


@pytest.fixture(autouse=True)
def _pipeline_tests_run_the_linear_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check the pipeline (reading, writing, workers, resume, errors), not a model's
    judgement: where no model is given they run the 1 MB linear model, in this process and in
    the processes it starts. tests/models/test_shipped.py checks the shipped default itself."""
    monkeypatch.setenv(DEFAULT_MODEL_ENV, "linear")

"""Shared fixtures of the scoring tests: real posts of the project corpus and a stand-in classifier.

The scenarios use real posts from ``data/netral-corpus/corpus.csv`` (Pilpres 2019), picked by id.
The stand-in classifier gives each corpus text probabilities derived from its gold label and the
annotator's confidence, so the tests check the scoring logic, not a particular model.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from netral_nlp.models import DEFAULT_MODEL_ENV
from netral_nlp.scoring import Assessments, score

CORPUS = Path(__file__).resolve().parents[2] / "data" / "netral-corpus" / "corpus.csv"

#: Real posts used in the scenarios (corpus ids), with their gold label.
CAMPAIGN_POST = "0f0f0fd8c774"  # campaign/high: "Kita dukung pak Jokowi 2 periode ... #2019TetapJokowi"
NEUTRAL_ASN_NEWS = "ca6e5de4a19c"  # political_neutral/high: "Ada 204 Dugaan Pelanggaran ASN di Pilkada ..."
CONTESTANT_POSTS = ("fa94ac225ed0", "fc9c2e6c0363", "4448c5fa68c6")  # campaign/high, #2019TetapJokowi
AMBIGUOUS_POST = "025b2616e24f"  # political_neutral/low: "Ulama Jabar Siap Dukung Jokowi di Pilpres 2019"
CAMPAIGN_LOW_POST = "009cb8d80583"  # campaign/low: "... satu periode lagi pakde"
NON_POLITICAL_POST = "00131ee6f161"  # non_political/high: a car review

#: Times in the Pilpres 2019 calendar (WIB).
DURING_CAMPAIGN = "2019-01-15T20:30:00+07:00"
BEFORE_DETERMINATION = "2018-09-01T08:00:00+07:00"  # registration to determination: bakal calon
BEFORE_REGISTRATION = "2018-05-01T08:00:00+07:00"

#: Probabilities (campaign, political_neutral, non_political) by gold label and confidence.
_PROBS = {
    ("campaign", "high"): (0.93, 0.05, 0.02),
    ("campaign", "low"): (0.62, 0.33, 0.05),
    ("political_neutral", "high"): (0.05, 0.9, 0.05),
    ("political_neutral", "low"): (0.42, 0.53, 0.05),
    ("non_political", "high"): (0.02, 0.08, 0.9),
    ("non_political", "low"): (0.1, 0.3, 0.6),
}


class CorpusModel:
    """Stand-in classifier with the library's interface (``labels``, ``predict_proba``).

    Its columns are deliberately not in the library's label order, so the tests also check that
    scoring reads ``p(campaign)`` by label name.
    """

    labels = ("non_political", "political_neutral", "campaign")

    def __init__(self, corpus: pd.DataFrame) -> None:
        self._by_text = {row.text: _PROBS[(row.label, row.confidence)] for row in corpus.itertuples()}
        self.calls: list[list[str]] = []

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        rows = []
        for t in texts:
            campaign, neutral, other = self._by_text.get(t, (0.05, 0.15, 0.8))
            rows.append((other, neutral, campaign))
        return np.array(rows)


@pytest.fixture(scope="session")
def corpus() -> pd.DataFrame:
    if not CORPUS.is_file():
        pytest.skip(f"corpus not found at {CORPUS}")
    return pd.read_csv(CORPUS).set_index("id", drop=False)


@pytest.fixture(scope="session")
def posts(corpus: pd.DataFrame) -> types.SimpleNamespace:
    """The scenario posts' texts, read from the corpus, and the scenario times."""

    def text(post_id: str) -> str:
        return str(corpus.loc[post_id, "text"])

    return types.SimpleNamespace(
        campaign=text(CAMPAIGN_POST),
        neutral_asn_news=text(NEUTRAL_ASN_NEWS),
        contestant=[text(i) for i in CONTESTANT_POSTS],
        ambiguous=text(AMBIGUOUS_POST),
        campaign_low=text(CAMPAIGN_LOW_POST),
        non_political=text(NON_POLITICAL_POST),
        during_campaign=DURING_CAMPAIGN,
        before_determination=BEFORE_DETERMINATION,
        before_registration=BEFORE_REGISTRATION,
        text=text,
    )


@pytest.fixture
def model(corpus: pd.DataFrame) -> CorpusModel:
    return CorpusModel(corpus)


@pytest.fixture
def run(model: CorpusModel) -> Callable[..., Assessments]:
    """Score lists of dicts (activity rows, account rows) on Pilpres 2019 with the stand-in model."""

    def _run(activity: list[dict[str, Any]], accounts: list[dict[str, Any]], **kwargs: Any) -> Assessments:
        kwargs.setdefault("model", model)
        kwargs.setdefault("election", "pilpres-2019")
        kwargs.setdefault("errors", "ignore")
        return score(pd.DataFrame(activity), pd.DataFrame(accounts), **kwargs)

    return _run


def account_row(result: Assessments, account_id: str) -> pd.Series:
    rows = result.accounts[result.accounts["account_id"] == account_id]
    assert len(rows) == 1, f"expected one row for {account_id}, got {len(rows)}"
    return rows.iloc[0]


@pytest.fixture
def row_of() -> Callable[[Assessments, str], pd.Series]:
    return account_row


@pytest.fixture(autouse=True)
def _pipeline_tests_run_the_linear_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check the pipeline (reading, writing, workers, resume, errors), not a model's
    judgement: where no model is given they run the 1 MB linear model, in this process and in
    the processes it starts. tests/models/test_shipped.py checks the shipped default itself."""
    monkeypatch.setenv(DEFAULT_MODEL_ENV, "linear")

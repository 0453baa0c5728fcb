"""Shared fixtures of the command-line tests."""

from __future__ import annotations

import pytest

from netral_nlp.models import DEFAULT_MODEL_ENV


@pytest.fixture(autouse=True)
def _pipeline_tests_run_the_linear_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check the pipeline (reading, writing, workers, resume, errors), not a model's
    judgement: where no model is given they run the 1 MB linear model, in this process and in
    the processes it starts. tests/models/test_shipped.py checks the shipped default itself."""
    monkeypatch.setenv(DEFAULT_MODEL_ENV, "linear")

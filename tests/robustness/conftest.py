"""Shared helpers of the hostile-input suite: run the command line in this process and check that
a failure is one coded line with exit status 2, never a traceback.

Every test of this folder builds its own hostile input (a poisoned row, a damaged file, a
malicious config or model folder) in ``tmp_path``; see the README's "Reliability" section.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_helpers import CODED_LINE

from netral_nlp.cli.app import main
from netral_nlp.models import DEFAULT_MODEL_ENV, MODELS_DIR, SHIPPED_MODELS, TextClassifier, load_model

LINEAR_MODEL_DIR = MODELS_DIR / SHIPPED_MODELS["linear"]


@dataclasses.dataclass
class CliResult:
    code: int
    out: str
    err: str

    def coded_error(self) -> str:
        """The code of the one error line, after checking that the run failed the way a user
        should see it fail: exit status 2, one line, a code, no traceback."""
        assert self.code == 2, f"exit status {self.code}, expected 2; stderr:\n{self.err}"
        assert "Traceback" not in self.err, self.err
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{self.err}"
        m = CODED_LINE.match(lines[0])
        assert m, f"not a coded error line: {lines[0]!r}"
        return m.group(1)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Callable[..., CliResult]:
    """Run ``netral-nlp ARGS...`` through the console script's entry point, in ``tmp_path``."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["netral-nlp", *map(str, args)])
        code: int
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def shipped_model() -> TextClassifier:
    if not (LINEAR_MODEL_DIR / "netral_config.json").is_file():
        pytest.skip("the shipped model is missing")
    return load_model("linear")


@pytest.fixture
def fast_model(monkeypatch: pytest.MonkeyPatch, shipped_model: TextClassifier) -> TextClassifier:
    """In-process loads of the shipped model (``predict`` without ``--model``) reuse the
    session's copy (2-3 s saved each)."""
    real = load_model

    def cached(path: object = None, **kwargs: object) -> TextClassifier:
        return shipped_model if path is None else real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("netral_nlp.batch.workers.load_model", cached)
    monkeypatch.setattr("netral_nlp.models.load_model", cached)
    return shipped_model


@pytest.fixture(autouse=True)
def _pipeline_tests_run_the_linear_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check the pipeline (reading, writing, workers, resume, errors), not a model's
    judgement: where no model is given they run the 1 MB linear model, in this process and in
    the processes it starts. tests/models/test_shipped.py checks the shipped default itself."""
    monkeypatch.setenv(DEFAULT_MODEL_ENV, "linear")

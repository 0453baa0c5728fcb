"""Real posts for the text tests, read at test time from ``<repo>/../shared/data``.

Tests that need them skip cleanly where that folder is missing.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def shared_file(relative: str) -> Path:
    """Path of a file under the shared data folder; skips the test when it is missing."""
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"shared data not found: {path}")
    return path


@pytest.fixture(scope="session")
def ibrohim_tweets() -> list[str]:
    # Not UTF-8 everywhere: the dataset must be read as latin-1 (its README says so).
    with open(shared_file("ibrohim2019_hs/re_dataset.csv"), encoding="latin-1", newline="") as fh:
        return [row["Tweet"] for row in csv.DictReader(fh)]


@pytest.fixture(scope="session")
def pilpres_tweets() -> list[str]:
    with open(shared_file("pilpres2019_tweets/dataset_tweet.csv"), encoding="utf-8", newline="") as fh:
        return [row["tweet"] for row in csv.DictReader(fh)]

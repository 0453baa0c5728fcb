"""The examples in docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "netral_nlp",
    "netral_nlp.configfile",
    "netral_nlp.elections",
    "netral_nlp.errors",
    "netral_nlp.tables.files",
    "netral_nlp.tables.formats",
    "netral_nlp.tables.readers",
    "netral_nlp.tables.rows",
    "netral_nlp.tables.writers",
    "netral_nlp.tables.frame",
    "netral_nlp.batch.readers",
    "netral_nlp.models.validation",
    "netral_nlp.text.confusables",
    "netral_nlp.text.encoding",
    "netral_nlp.text.hashtags",
    "netral_nlp.text.normalize",
    "netral_nlp.text.stemming",
    "netral_nlp.scoring.api",
    "netral_nlp.scoring.rules",
    "netral_nlp.scoring.schema",
    "netral_nlp.scoring.assess",
    "netral_nlp.scoring.evidence",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0

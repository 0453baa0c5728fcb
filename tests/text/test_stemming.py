"""Sastrawi stemming that never touches names (netral_nlp.text.stemming) and its use by the normaliser.

Unprotected words must get exactly Sastrawi's own stem; the check runs on a seeded sample of
distinct words from real posts read at test time from ``<repo>/../shared/data``.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import pytest
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

from netral_nlp.text import CachedStemmer, Normalizer
from netral_nlp.text.lexicons import load_stopwords, protected_words

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
NAMES = ["prabowo", "jokowi", "anies", "ganjar", "gibran", "mahfud", "sandiaga", "muhaimin", "subianto", "baswedan"]
DAMAGED_BY_SASTRAWI = {"relawan": "rawan", "bekasi": "bekas", "bali": "bal", "perbankan": "perban"}


@pytest.fixture(scope="module")
def sastrawi():
    """A fresh Sastrawi stemmer, as its README builds it."""
    return StemmerFactory().create_stemmer()


@pytest.fixture(scope="module")
def real_posts() -> list[str]:
    path = SHARED_DATA / "ibrohim2019_hs" / "re_dataset.csv"
    if not path.is_file():
        pytest.skip(f"shared data not found: {path}")
    with open(path, encoding="latin-1", newline="") as fh:
        return [row["Tweet"] for row in csv.DictReader(fh)][:4000]


def test_sastrawi_damages_these_words_and_the_cached_stemmer_protects_them(sastrawi):
    stemmer = CachedStemmer()
    for word, damaged in DAMAGED_BY_SASTRAWI.items():
        assert sastrawi.stem(word) == damaged  # why the protection exists
        assert stemmer.stem_word(word) == word


def test_names_are_never_stemmed():
    stemmer = CachedStemmer()
    assert stemmer.stem_tokens(NAMES) == NAMES
    # a name passed in is protected too, whatever its case
    custom = CachedStemmer(protected=["Penanam"])
    assert CachedStemmer().stem_word("penanam") != "penanam"
    assert custom.stem_word("penanam") == "penanam"


def test_linear_preset_with_stemming_keeps_protected_words_and_names():
    n = Normalizer(preset="linear", stem=True)
    text = "Para relawan di Bekasi dan Bali, perbankan: " + " ".join(n.capitalize() for n in NAMES)
    assert n(text).split() == ["relawan", "bekasi", "bali", "perbankan", *NAMES]
    assert n("pemerintahan memperjuangkan kebijakan") == "pemerintahan juang kebijakan"  # protected, stemmed, protected


def test_names_of_a_users_election_are_protected(tmp_path):
    config = tmp_path / "pilkada-contoh.yaml"
    config.write_text(
        """
id: pilkada-contoh
name: Pilkada Kabupaten Contoh
calendar:
  candidate_registration: {start: 2024-08-27, end: 2024-08-29}
  candidate_determination: 2024-09-22
  campaign: {start: 2024-09-25, end: 2024-11-23}
  quiet_period: {start: 2024-11-24, end: 2024-11-26}
  voting_day: 2024-11-27
pairs:
  - number: 1
    name: Andi Penanam - Budi
    candidates:
      - {role: calon, name: Andi Penanam}
      - {role: wakil, name: Budi Santoso}
""",
        encoding="utf-8",
    )
    n = Normalizer(preset="linear", stem=True, election=str(config))
    assert n("Andi Penanam menanam padi") == "[CALON] tanam padi"
    assert n("penanam") == "penanam"  # a word of a contestant's name, alone: not masked, not stemmed
    assert Normalizer(preset="linear", stem=True)("penanam") == "tanam"


def _distinct_real_words(posts: list[str]) -> list[str]:
    plain = Normalizer(preset="linear")  # slang replaced, not stemmed
    words = {w for post in posts for w in plain(post).split()}
    return sorted(w for w in words if w.isalpha() and w.islower() and len(w) > 3 and w not in protected_words())


def test_unprotected_words_get_exactly_sastrawis_stem(real_posts, sastrawi):
    words = _distinct_real_words(real_posts)
    assert len(words) > 3000
    sample = random.Random(2019).sample(words, 300)
    stemmer = CachedStemmer()
    got = {w: stemmer.stem_word(w) for w in sample}
    expected = {w: sastrawi.stem(w) for w in sample}
    assert got == expected
    assert sum(got[w] != w for w in sample) > 50  # the sample does exercise the stemmer
    # cached: the same answers again, without Sastrawi
    assert {w: stemmer.stem_word(w) for w in sample} == expected


def test_linear_preset_stems_real_posts_like_sastrawi(real_posts, sastrawi):
    plain = Normalizer(preset="linear")
    stemmed = Normalizer(preset="linear", stem=True)
    stop, protected = load_stopwords(), protected_words()
    for post in random.Random(17).sample(real_posts, 30):
        expected = []
        for tok in plain(post).split():
            if re.fullmatch(r"[a-z]+(?:-[a-z]+)*", tok) and len(tok) > 3 and tok not in protected:
                tok = sastrawi.stem(tok)
                if tok in stop:
                    continue
            expected.append(tok)
        assert stemmed(post) == " ".join(expected), post


def test_cache_is_bounded():
    stemmer = CachedStemmer(cache_size=3)
    words = ["pemilihan", "kemenangan", "pendukung", "berjuang", "pemilihan"]
    assert stemmer.stem_tokens(words) == ["pemilihan", "kemenangan", "pendukung", "juang", "pemilihan"]
    assert len(stemmer._cache) <= 3

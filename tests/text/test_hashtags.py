"""Hashtag splitting (netral_nlp.text.hashtags) and the normaliser's hashtag modes."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from netral_nlp.text import Normalizer, repair_encoding, split_hashtag

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture(scope="module")
def pilpres_tweets() -> list[str]:
    path = SHARED_DATA / "pilpres2019_tweets" / "dataset_tweet.csv"
    if not path.is_file():
        pytest.skip(f"shared data not found: {path}")
    with open(path, encoding="utf-8", newline="") as fh:
        return [row["tweet"] for row in csv.DictReader(fh)]


@pytest.mark.parametrize(
    ("tag", "words"),
    [
        ("#AMINUntukKemakmuranDesa", ["AMIN", "Untuk", "Kemakmuran", "Desa"]),
        ("#2019GantiPresiden", ["2019", "Ganti", "Presiden"]),
        ("#gantipresiden", ["ganti", "presiden"]),
        ("gantipresiden", ["ganti", "presiden"]),  # without "#"
        ("#2019tetapjokowi", ["2019", "tetap", "jokowi"]),
        ("#PrabowoGibran2024", ["Prabowo", "Gibran", "2024"]),
        ("#01IndonesiaMaju", ["01", "Indonesia", "Maju"]),
        ("#JokowiLagi", ["Jokowi", "Lagi"]),
        ("#xyzqwvbn", ["xyzqwvbn"]),  # no split into unknown pieces
        ("#pemilu", ["pemilu"]),  # a known word stays whole
    ],
)
def test_split_hashtag(tag, words):
    assert split_hashtag(tag) == words


def test_split_hashtag_keeps_case_so_that_amin_the_pair_differs_from_amin_the_prayer():
    assert split_hashtag("#AMINAjaDulu")[0] == "AMIN"
    assert split_hashtag("#aminyarabbal")[0] == "amin"


def test_extra_words_help_to_split_names():
    assert split_hashtag("#aniesmuhaimin") != ["anies", "muhaimin"]
    assert split_hashtag("#aniesmuhaimin", frozenset({"anies", "muhaimin"})) == ["anies", "muhaimin"]
    # the normaliser adds the names of the active election itself
    assert Normalizer("transformer", election="pemilu-2024")("#aniesmuhaimin") == "[PASLON]"


TEXT = "Ayo #AMINUntukKemakmuranDesa dan #2019GantiPresiden #gantipresiden#JokowiLagi"


def test_split_mode():
    assert (
        Normalizer("transformer", hashtags="split")(TEXT)
        == "ayo amin untuk kemakmuran desa dan 2019 ganti presiden ganti presiden jokowi lagi"
    )
    assert Normalizer("transformer")(TEXT) == Normalizer("transformer", hashtags="split")(TEXT)  # the default


def test_split_marked_mode():
    out = Normalizer("transformer", hashtags="split_marked")(TEXT)
    assert out == "ayo [TAGAR] amin untuk kemakmuran desa dan [TAGAR] 2019 ganti presiden [TAGAR] ganti presiden [TAGAR] jokowi lagi"
    assert Normalizer("linear", hashtags="split_marked")("#gantipresiden") == "[TAGAR] ganti presiden"


def test_keep_mode():
    assert (
        Normalizer("transformer", hashtags="keep")(TEXT) == "ayo #aminuntukkemakmurandesa dan #2019gantipresiden #gantipresiden#jokowilagi"
    )


def test_html_entities_and_words_with_hash_are_not_hashtags():
    n = Normalizer("transformer")
    assert n("a#b C# &#39;ok&#39;") == "a#b c# 'ok'"
    assert n("&#35;GantiPresiden") == "ganti presiden"  # an escaped "#" is a "#"


def test_hashtags_of_gives_the_hashtags_as_written():
    n = Normalizer("transformer")
    assert n.hashtags_of(TEXT + " @budi#Pilpres2019 a#b") == [
        "#AMINUntukKemakmuranDesa",
        "#2019GantiPresiden",
        "#gantipresiden",
        "#JokowiLagi",
        "#Pilpres2019",
    ]
    assert n.hashtags_of("tanpa tagar") == []
    assert n.hashtags_of("ðŸ‘‡ #Pemilu2024") == ["#Pemilu2024"]  # after repair


def test_real_tweets_keep_no_hashtag_after_splitting(pilpres_tweets):
    n = Normalizer("transformer")
    tagged = [t for t in pilpres_tweets if re.search(r"(?:^|\s)#\w", t)]
    assert len(tagged) > 100
    for tweet in tagged:
        assert "#" not in n(tweet).replace("&#", ""), tweet
        tags = n.hashtags_of(tweet)
        assert tags and all(t.startswith("#") and len(t) > 1 for t in tags)
        for tag in re.findall(r"(?:^|(?<=\s))#\w+", repair_encoding(tweet)):
            assert tag in tags


def test_real_campaign_hashtags_are_split_into_words(pilpres_tweets):
    n = Normalizer("transformer")
    tweet = next(t for t in pilpres_tweets if "#2019GantiPresiden" in t)
    assert "2019 ganti presiden" in n(tweet)
    tweet = next(t for t in pilpres_tweets if "#JokowiMenangTotalDebat" in t)
    assert "jokowi menang total debat" in n(tweet)

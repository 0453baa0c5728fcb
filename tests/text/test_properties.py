"""Properties of the normaliser that must hold for any text (hypothesis).

For arbitrary text, both presets return a string without raising; the same text gives the same
result; and normalising a normalised text changes nothing more (``normalize(normalize(x)) ==
normalize(x)``, the transformer preset with and without an election, and the linear preset without
stemming: Sastrawi's stems are not all stems of themselves, so stemming is left out).

Besides ``st.text()`` the properties run on "messy" text built from the pieces real posts are made
of (mojibake, byte escapes, placeholders, mentions, hashtags, names, laughs, emoji) glued together
without spaces, which is where the idempotence bugs fixed in this module's history were found.
"""

from __future__ import annotations

import functools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netral_nlp.text import Normalizer, repair_encoding, split_hashtag

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PIECES = [
    *("Ã", "â", "€", "œ", "Â", "¦", "ðŸ", "‘‡", "\x9d", "\x8d", "?", "??", "\\x", "f0", "9f", "98", "82"),
    *("RT ", "rt", "@", "@user", "#", "#Ganti", "Presiden", "USER", "URL", "[USERNAME]", "<USERNAME>", "http://t.co/x", "www."),
    *("AMIN", "amin", "Aamiin", "Prabowo", "PS", "GP", "Gibran", "Mas Wapres", "Cak Imin", "Abah", "@prabowo", "Jokowi", "PKS"),
    *("01", "02", "0", "3", "no urut", "nomor", "wkwk", "kw", "haha", "hehe", "aaa", "eee", "ttt", "!!!", "!?", "...", "…", ",,"),
    *("&amp;", "&", "amp;", "#39;", " ", "\n", "\t", ":", "_", "-", "'", "[", "]", "[CALON]", "[TAGAR]", "HTTPURL", "@USER"),
    *("😂", "🏻", "\u200d", "1️⃣", "\ufe0f", "🇮🇩", "İ", "ſ", "K", "ß", "Σ", "\u00a0", "\u3000", "＃", "＠", "\ud800", "\x00", "\x7f"),
    *("gak", "yg", "bgt", "fekaes", "jokowie", "pakdeee", "heheheee", "bangeeettt"),
]
messy_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=25).map("".join)
any_text = st.one_of(st.text(), messy_text)


@functools.cache
def normalizer(preset: str, election: str | None = None, **options: str) -> Normalizer:
    return Normalizer(preset, election=election, **options)


@SETTINGS
@given(st.text())
def test_any_text_gives_a_string_with_both_presets(text):
    for preset in ("transformer", "linear"):
        out = normalizer(preset)(text)
        assert isinstance(out, str)
        assert out == out.strip()


@SETTINGS
@given(any_text)
def test_any_text_gives_a_string_with_an_election_and_stemming(text):
    assert isinstance(normalizer("transformer", "pemilu-2024")(text), str)
    assert isinstance(normalizer("linear", "pilpres-2019", stem=True)(text), str)


@SETTINGS
@given(any_text)
def test_normalizing_is_deterministic(text):
    for preset in ("transformer", "linear"):
        first = normalizer(preset)(text)
        assert normalizer(preset)(text) == first
        assert Normalizer(preset)(text) == first  # a fresh instance, with empty caches


@SETTINGS
@given(any_text)
def test_transformer_preset_is_idempotent(text):
    n = normalizer("transformer")
    once = n(text)
    assert n(once) == once


@SETTINGS
@given(any_text)
def test_transformer_preset_with_an_election_is_idempotent(text):
    n = normalizer("transformer", "pemilu-2024")
    once = n(text)
    assert n(once) == once


@SETTINGS
@given(any_text)
def test_linear_preset_without_stemming_is_idempotent(text):
    n = normalizer("linear")
    once = n(text)
    assert n(once) == once


@SETTINGS
@given(messy_text)
def test_other_settings_are_idempotent(text):
    for n in (
        normalizer("transformer", "pilpres-2019"),
        normalizer("transformer", hashtags="split_marked"),
        normalizer("transformer", hashtags="keep"),
        normalizer("transformer", emoji="keep"),
        normalizer("linear", "pemilu-2024"),
    ):
        once = n(text)
        assert n(once) == once, n


@SETTINGS
@given(any_text)
def test_linear_output_is_ascii_tokens(text):
    out = normalizer("linear", "pemilu-2024")(text)
    assert out.isascii()
    assert all(tok for tok in out.split(" ")) if out else True


@SETTINGS
@given(any_text)
def test_repair_encoding_is_idempotent(text):
    once = repair_encoding(text)
    assert repair_encoding(once) == once


@SETTINGS
@given(st.from_regex(r"#?[A-Za-z0-9]{1,30}", fullmatch=True))
def test_split_hashtag_loses_no_character(tag):
    words = split_hashtag(tag)
    assert "".join(words) == tag.lstrip("#")
    assert all(words)

"""The normaliser (netral_nlp.text.normalize): placeholders, noise, slang, numbers, edge inputs.

Real posts are read at test time from ``<repo>/../shared/data``; the tests that need them skip
cleanly where that folder is missing.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from netral_nlp.text import PRESETS, Normalizer, normalize


@pytest.fixture(scope="module")
def transformer() -> Normalizer:
    return Normalizer("transformer")


@pytest.fixture(scope="module")
def linear() -> Normalizer:
    return Normalizer("linear")


# --- links, mentions, dataset placeholders, retweet markers ---------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://t.co/abc123",
        "http://dlvr.it/R2pvZV",
        "www.kpu.go.id/info",
        "pic.twitter.com/W2ythnxsTp",
        "bit.ly/3abc",
        "HTTPS://KPU.GO.ID",
    ],
)
def test_urls_become_httpurl(transformer, linear, url):
    assert transformer(f"Cek {url} sekarang") == "cek HTTPURL sekarang"
    assert "HTTPURL" in linear(f"Cek {url} sekarang").split()


def test_urls_of_real_tweets_become_httpurl(pilpres_tweets, transformer):
    with_links = [t for t in pilpres_tweets if re.search(r"https?://|pic\.twitter\.com/", t)]
    assert len(with_links) > 100
    for tweet in with_links:
        out = transformer(tweet)
        assert "HTTPURL" in out
        assert not re.search(r"https?:|twitter\.com/|t\.co/", out), out


def test_mentions_become_user(transformer):
    assert transformer("Halo @kpu_ri dan @bawaslu_RI!") == "halo @USER dan @USER !"
    # written without a space, still two mentions
    assert transformer("cc @a@b") == "cc @USER @USER"
    # an address is not a mention
    assert transformer("kirim ke info@kpu.go.id") == "kirim ke info@kpu.go.id"


def test_mentions_of_real_tweets_become_user(pilpres_tweets, transformer):
    with_mentions = [t for t in pilpres_tweets if re.search(r"(?:^|\s)@\w", t)]
    assert len(with_mentions) > 100
    for tweet in with_mentions:
        out = transformer(tweet)
        assert "@USER" in out
        assert not re.search(r"(?:^|\s)@(?!USER\b)\w", out), out


def test_dataset_placeholders_become_the_same_tokens(transformer):
    assert transformer("USER USER Kaum cebong URL") == "@USER @USER kaum cebong HTTPURL"
    assert transformer("[USERNAME] mantap <USERNAME>") == "@USER mantap @USER"
    # "USER" inside a word or after "@" is not a placeholder
    assert transformer("USERNAME @USER") == "username @USER"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RT @kpu_ri: Ayo coblos", "ayo coblos"),
        ("RT USER: Ayo coblos", "ayo coblos"),
        ("rt @budi ayo", "ayo"),
        ("RT [USERNAME] ayo", "ayo"),
        ("RT <USERNAME> ayo", "ayo"),
        ("ART @budi", "art @USER"),  # "RT" inside a word is no marker
    ],
)
def test_retweet_markers_are_removed(transformer, text, expected):
    assert transformer(text) == expected


def test_retweet_markers_of_real_rows_are_removed(ibrohim_tweets, transformer):
    retweets = [t for t in ibrohim_tweets if t.startswith("RT USER:")]
    assert len(retweets) > 100
    for tweet in retweets:
        assert not transformer(tweet).startswith("rt "), tweet


# --- HTML entities, punctuation, elongation, laughter, emoji ---------------------------------------


def test_html_entities_are_unescaped_even_when_escaped_twice(transformer):
    assert transformer("Tom &amp;amp; Jerry") == "tom & jerry"
    assert transformer("&quot;keren&quot; &lt;3 &#39;ok&#39;") == "\"keren\" <3 'ok'"


def test_repeated_punctuation_is_shortened(transformer):
    assert transformer("Wow!!! Benar??? Masa?!?! Hmm..... ya,,, ok…") == "wow! benar? masa? hmm... ya, ok..."


@pytest.mark.parametrize(
    ("text", "expected"),
    [("bangeeettt", "banget"), ("maaaaf", "maaf"), ("capek bangeeettt, maaaaf ya", "capek banget, maaf ya"), ("mantaaappp", "mantap")],
)
def test_elongated_words_get_their_dictionary_form(transformer, text, expected):
    assert transformer(text) == expected


@pytest.mark.parametrize("laugh", ["wkwkwk", "wkwkwkwkwk", "hahahaha", "hehehe", "xixixi", "awokwokwok", "kakakaka", "heheheee"])
def test_laughter_becomes_wkwk(transformer, laugh):
    assert transformer(f"lucu {laugh}") == "lucu wkwk"


def test_emoji_become_words_and_runs_collapse(transformer):
    assert transformer("😂😂😂 lucu 😍") == ":face_with_tears_of_joy: lucu :smiling_face_with_heart-eyes:"
    assert transformer("ok 👍🏽 👨‍👩‍👧 🇮🇩 1️⃣") == "ok :thumbs_up_medium_skin_tone: :family_man_woman_girl: :indonesia: :keycap_1:"
    assert Normalizer("transformer", emoji="keep")("ok 😂 👍") == "ok 😂 👍"
    assert Normalizer("transformer", emoji="remove")("ok 😂 👍") == "ok"


def test_real_posts_become_plain_lower_case_text(ibrohim_tweets, transformer):
    for tweet in ibrohim_tweets[:2000]:
        out = transformer(tweet)
        assert out == out.strip() and "  " not in out
        assert "\\x" not in out
        # upper case only in placeholders and role tokens
        assert not re.search(r"[A-Z]", re.sub(r"HTTPURL|@USER|\[[A-Z_]+\]", "", out)), out


# --- slang / alay lexicon (linear preset) ----------------------------------------------------------


def test_linear_preset_replaces_slang_and_drops_stopwords(linear):
    assert linear("gak yg bgt tdk jgn dgn utk krn") == "tidak banget tidak jangan"
    assert linear("Capek bangeeettt, maaaaf ya") == "capek banget maaf iya"
    # election words are never "slang": PS, GP, PKS, amin keep their meaning
    assert linear("ps gp pks amin cebong kampret golput") == "ps gp pks amin cebong kampret golput"


def test_linear_preset_replaces_slang_of_real_posts(ibrohim_tweets, linear):
    posts = [t for t in ibrohim_tweets if re.search(r"\b(gak|yg|bgt|tdk)\b", t)][:300]
    assert len(posts) == 300
    for post in posts:
        tokens = linear(post).split()
        assert not {"gak", "yg", "bgt", "tdk"} & set(tokens), post


def test_transformer_preset_keeps_slang(transformer):
    assert transformer("gak yg bgt") == "gak yg bgt"


def test_user_slang_csv_adds_and_overrides(tmp_path):
    lexicon = tmp_path / "slang.csv"
    lexicon.write_text("# my slang, one pair a line\nmantul,mantap keren\nKece,hebat\nbgt,kuat\n", encoding="utf-8")
    n = Normalizer(preset="linear", slang_file=lexicon)
    # "mantul" and "bgt" are shipped entries ("mantap betul", "banget"): the user's win
    assert n("mantul kece bgt") == "mantap keren hebat kuat"
    assert n.slang_file == str(lexicon)
    # the other shipped entries are still there
    assert n("gak baperan") == "tidak bawa perasaan"
    # a TSV file reads the same
    tsv = tmp_path / "slang.tsv"
    tsv.write_text("mantul\tmantap kuat\n", encoding="utf-8")
    assert Normalizer(preset="linear", slang_file=tsv)("mantul") == "mantap kuat"


def test_user_slang_json_adds_and_overrides(tmp_path):
    # A public list turns "petahana" (the incumbent) into "pertahanan" (defence); the curated
    # list keeps it, and a user's lexicon can still map it (and add entries) as they need.
    assert Normalizer(preset="linear")("petahana") == "petahana"
    lexicon = tmp_path / "slang.json"
    lexicon.write_text(json.dumps({"petahana": "incumbent", "Cebong": "pendukung jokowi"}), encoding="utf-8")
    n = Normalizer(preset="linear", slang_file=lexicon)
    assert n("petahana cebong mantul") == "incumbent pendukung jokowi mantap"


def test_malformed_user_slang_csv_names_file_and_line(tmp_path):
    lexicon = tmp_path / "slang.csv"
    lexicon.write_text("mantul,mantap betul\n# comment\nbgt,sangat,extra\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(f"{lexicon}:3:")) as err:
        Normalizer(preset="linear", slang_file=lexicon)
    assert "2 columns" in str(err.value)


def test_bad_user_slang_json_and_missing_file_are_clear_errors(tmp_path):
    not_json = tmp_path / "slang.json"
    not_json.write_text("{mantul: mantap", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        Normalizer(preset="linear", slang_file=not_json)
    not_a_mapping = tmp_path / "list.json"
    not_a_mapping.write_text('["mantul", "mantap"]', encoding="utf-8")
    with pytest.raises(ValueError, match="JSON object"):
        Normalizer(preset="linear", slang_file=not_a_mapping)
    with pytest.raises(FileNotFoundError, match=r"nope\.csv"):
        Normalizer(preset="linear", slang_file=tmp_path / "nope.csv")


# --- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["transformer", "linear"])
def test_numbers_and_ballot_numbers_are_kept_without_an_election(preset):
    n = Normalizer(preset)
    assert n("01 02 no urut 3 nomor 2 paslon 01") == "01 02 no urut 3 nomor 2 paslon 01"
    assert "17" in n("Ayo ke TPS tgl 17 April 2019").split()


# --- edge inputs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["transformer", "linear"])
def test_empty_and_blank_text(preset):
    n = Normalizer(preset)
    assert n("") == ""
    assert n("   \n\t ") == ""


def test_emoji_only(transformer, linear):
    assert transformer("😂") == ":face_with_tears_of_joy:"
    assert transformer("😂😂😂🙏") == ":face_with_tears_of_joy: :folded_hands:"
    assert linear("😂") == ":face_with_tears_of_joy:"


@pytest.mark.parametrize("preset", ["transformer", "linear"])
def test_a_100000_character_text(ibrohim_tweets, preset):
    text = " ".join(ibrohim_tweets)[:100_000]
    assert len(text) == 100_000
    n = Normalizer(preset)
    start = time.perf_counter()
    out = n(text)
    assert time.perf_counter() - start < 20
    assert isinstance(out, str) and 10_000 < len(out) < 150_000
    assert n(out) == out


def test_control_characters_and_lone_surrogates(transformer, linear):
    assert transformer("\x00\x07abc\x1bdef\x7f") == "abc def"
    for n in (transformer, linear):
        out = n("\ud800abc\udfff def")
        assert "abc" in out
        out.encode("utf-8")  # no lone surrogate is left


def test_none_and_other_non_strings_raise_type_error(transformer):
    with pytest.raises(TypeError, match=r"got NoneType \(a missing text\?\)"):
        transformer(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got int"):
        transformer(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got bytes"):
        normalize(b"ayo")  # type: ignore[arg-type]


def test_batch_names_the_position_of_a_non_string(transformer):
    assert transformer.batch(["Mantap jiwa wkwkwk", "Ayo coblos!!!"]) == ["mantap jiwa wkwk", "ayo coblos!"]
    with pytest.raises(TypeError, match="position 3") as err:
        transformer.batch(["a", "b", "c", None, "e"])  # type: ignore[list-item]
    assert "NoneType" in str(err.value)


def test_unknown_preset_and_modes_raise_value_error():
    with pytest.raises(ValueError, match="unknown preset 'bert'") as err:
        Normalizer("bert")
    assert all(p in str(err.value) for p in PRESETS)
    with pytest.raises(ValueError, match="hashtags"):
        Normalizer(hashtags="drop")
    with pytest.raises(ValueError, match="emoji"):
        Normalizer(emoji="text")
    with pytest.raises(ValueError, match="unknown preset"):
        normalize("x", preset="bert")


def test_settings_round_trip_through_to_dict():
    n = Normalizer("linear", stem=True, election="pemilu-2024")
    d = n.to_dict()
    assert d == {
        "preset": "linear",
        "hashtags": "split",
        "emoji": "demojize",
        "slang": True,
        "stopwords": True,
        "stem": True,
        "election": "pemilu-2024",
    }
    assert "pemilu-2024" in repr(n)


def test_module_function_matches_the_class(pilpres_tweets):
    for tweet in pilpres_tweets[:200]:
        assert normalize(tweet) == Normalizer("transformer")(tweet)
        assert normalize(tweet, preset="linear", election="pilpres-2019") == Normalizer("linear", election="pilpres-2019")(tweet)


# --- regressions: real posts that normalised differently the second time -------------------------


@pytest.mark.parametrize(
    ("preset", "election", "text", "expected"),
    [
        # a laugh made by shortening an elongated word
        ("transformer", None, "belum dibayar sampai sekarang....heheheheee", "belum dibayar sampai sekarang...wkwk"),
        # hashtags written without a space between them
        (
            "transformer",
            None,
            "#PilihOrangBaik#PilihJelasIslamnya #PilihBajuPutih",
            "pilih orang baik pilih jelas islamnya pilih baju putih",
        ),
        # a name made by shortening an elongated word
        ("transformer", "pilpres-2019", "sehat sll pakdeee", "sehat sll [CALON]"),
        # slang that expands to a party name, which is then masked
        ("linear", "pilpres-2019", "jaket fekaes", "jaket [PARTAI]"),
        # a retweet marker next to punctuation that the linear preset drops
        ("linear", None, 'Jokower RT"USER: USER tim sukses', "jokower @USER tim sukses"),
        # a slang value with commas
        ("linear", None, "ditangkap krn narkoba", "ditangkap narkotika psikotropika obat terlarang"),
    ],
)
def test_output_is_final_after_one_call(preset, election, text, expected):
    n = Normalizer(preset, election=election)
    assert n(text) == expected
    assert n(expected) == expected

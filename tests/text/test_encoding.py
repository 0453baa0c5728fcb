"""Repair of broken encodings (netral_nlp.text.encoding) on real Indonesian posts.

The real posts are read at test time from the shared data folder beside the repository
(``<repo>/../shared/data``); their raw text is never copied into the repository.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy
import pytest

from netral_nlp.text import Normalizer, repair_encoding
from netral_nlp.text.encoding import _FTFY_CONFIG, _INERT, read_text_file

# --- double-encoded UTF-8 (mojibake) in real Pilpres 2019 tweets ---------------------------------


def test_double_encoded_emoji_in_real_tweets_is_repaired(pilpres_tweets):
    pointing = [t for t in pilpres_tweets if "ðŸ‘‡" in t]
    assert pointing, "the Pilpres 2019 tweets are known to hold 'ðŸ‘‡' (a double-encoded 👇)"
    for tweet in pointing:
        repaired = repair_encoding(tweet)
        assert "👇" in repaired
        assert "ðŸ" not in repaired


def test_no_double_encoded_emoji_survives_in_any_real_tweet(pilpres_tweets):
    damaged = [t for t in pilpres_tweets if "ðŸ" in t]
    assert len(damaged) >= 100
    survivors = [t for t in damaged if "ðŸ" in repair_encoding(t)]
    assert survivors == []


def test_double_encoded_quotes_in_real_tweets_become_quotes(pilpres_tweets):
    quoted = [t for t in pilpres_tweets if "â€œ" in t]
    assert quoted
    for tweet in quoted:
        repaired = repair_encoding(tweet)
        assert "\u201c" in repaired
        assert "â€" not in repaired
    # "â€" (any cp1252 mojibake of a UTF-8 punctuation mark) never survives either
    assert not any("â€" in repair_encoding(t) for t in pilpres_tweets if "â€" in t)


def test_text_encoded_twice_over_is_repaired(pilpres_tweets):
    # "Ã¢Â€Âœ" is "“" after two rounds of UTF-8 read as latin-1/cp1252.
    assert "\u201c".encode().decode("latin-1").encode().decode("cp1252") == "Ã¢Â€Âœ"
    assert repair_encoding("Kata dia Ã¢Â€ÂœAyo coblos 01Ã¢Â€Â\x9d") == "Kata dia \u201cAyo coblos 01\u201d"
    # the same damage done to a real tweet with an emoji and a quote
    tweet = next(repair_encoding(t) for t in pilpres_tweets if "ðŸ‘‡" in t)
    damaged = tweet.encode("utf-8").decode("latin-1")
    assert "ðŸ" not in damaged and damaged != tweet
    assert repair_encoding(damaged) == tweet


def test_normalizer_repairs_mojibake_before_demojizing(pilpres_tweets):
    tweet = next(t for t in pilpres_tweets if "ðŸ‘‡" in t)
    out = Normalizer("transformer")(tweet)
    assert ":backhand_index_pointing_down:" in out
    assert "ð" not in out and "Ÿ" not in out


# --- Python 2 byte escapes and lossy mojibake in the latin-1 ibrohim2019 tweets -------------------


def test_literal_byte_escapes_in_real_rows_become_emoji(ibrohim_tweets):
    laughing = [t for t in ibrohim_tweets if "\\xf0\\x9f\\x98\\x82" in t]
    assert len(laughing) >= 100
    for tweet in laughing:
        repaired = repair_encoding(tweet)
        assert "😂" in repaired
        assert "\\x" not in repaired


def test_no_byte_escape_survives_in_any_real_row(ibrohim_tweets):
    escaped = [t for t in ibrohim_tweets if "\\x" in t]
    assert len(escaped) > 1000
    assert [t for t in escaped if "\\x" in repair_encoding(t)] == []


def test_cut_off_escapes_at_the_end_are_dropped():
    assert repair_encoding("bani taplak \\xf0\\x9f\\x98\\x84") == "bani taplak 😄"
    assert repair_encoding("lebih komunis? \\xf0\\'") == "lebih komunis? "
    assert repair_encoding("ini \\xf0\\x9") == "ini "
    # a backslash that is not an escape is kept
    assert repair_encoding("C:\\xampp ok") == "C:\\xampp ok"


def test_lossy_mojibake_in_real_rows_gets_the_likely_punctuation(ibrohim_tweets):
    closing = [t for t in ibrohim_tweets if "â??" in t]
    ellipsis = [t for t in ibrohim_tweets if "â?¦" in t]
    assert closing and ellipsis
    for tweet in closing:
        assert "\u201d" in repair_encoding(tweet)
    for tweet in ellipsis:
        repaired = repair_encoding(tweet)
        assert "..." in repaired  # "…", then NFKC
    assert not any("â?" in repair_encoding(t) for t in closing + ellipsis)


def test_every_real_row_repairs_to_a_stable_text(ibrohim_tweets, pilpres_tweets):
    for tweet in ibrohim_tweets[:3000] + pilpres_tweets:
        once = repair_encoding(tweet)
        assert repair_encoding(once) == once


# --- files ---------------------------------------------------------------------------------------


def test_read_text_file_reads_a_latin1_file(tmp_path, ibrohim_tweets):
    rows = [t for t in ibrohim_tweets if "\\xf0\\x9f\\x98\\x82" in t][:3]
    text = "Pemilu di Bogor, caf\u00e9 dan cr\u00e8me\n" + "\n".join(rows) + "\n"
    path = tmp_path / "latin1.txt"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    got = read_text_file(str(path))
    assert got.startswith("Pemilu di Bogor, caf\u00e9 dan cr\u00e8me\n")
    assert got.count("😂") >= 3
    assert "\\x" not in got


def test_read_text_file_reads_utf8_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffAyo coblos ðŸ‘‡ 🇮🇩".encode())
    assert read_text_file(str(path)) == "Ayo coblos 👇 🇮🇩"


# --- Unicode normalisation, controls, types --------------------------------------------------------


def test_nfkc_turns_fancy_letters_into_plain_ones():
    assert repair_encoding("𝐏𝐫𝐚𝐛𝐨𝐰𝐨 𝑮𝒊𝒃𝒓𝒂𝒏") == "Prabowo Gibran"
    assert repair_encoding("ｃｏｂｌｏｓ　０２") == "coblos 02"
    assert Normalizer("transformer")("𝐀𝐘𝐎 𝐂𝐎𝐁𝐋𝐎𝐒") == "ayo coblos"


def test_control_characters_become_spaces():
    out = repair_encoding("ayo\x00coblos\x07\x1b\x85\x9d!")
    assert not any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in out)
    assert "ayo" in out and "coblos" in out


def test_repair_encoding_rejects_non_strings():
    with pytest.raises(TypeError, match="expects str"):
        repair_encoding(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bytes"):
        repair_encoding(b"bytes")  # type: ignore[arg-type]


# --- regressions: repairing twice changes nothing more (found by hypothesis) ----------------------


@pytest.mark.parametrize(
    "text",
    [
        "\x8d\x87¢¶",  # ftfy keeps \x8d; it becomes a space and " ‡¢¶" then reads as mojibake
        "＼ｘ４１＼ｘ４２",  # NFKC makes byte escapes out of full-width characters
        "\\x5c\\x78\\x34\\x31\\x5c\\x78\\x34\\x32 z",  # escapes that decode to escapes
    ],
)
def test_repair_encoding_is_idempotent_on_odd_text(text):
    once = repair_encoding(text)
    assert repair_encoding(once) == once


# --- the shortcut that skips ftfy for text whose only non-ASCII characters are emoji ---------------


def test_text_the_shortcut_skips_is_text_ftfy_leaves_alone():
    # Every non-ASCII character the shortcut lets through, alone and between letters, is left as it
    # is by ftfy and NFKC; if a new ftfy changes that, the shortcut must change too.
    inert = [chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF and _INERT.fullmatch(chr(c))]
    assert len(inert) > 1500
    sample = "".join(inert)
    assert ftfy.fix_text(sample, config=_FTFY_CONFIG) == sample
    for ch in inert:
        for text in (ch, f"a{ch}b", f"{ch}{ch} x"):
            assert ftfy.fix_text(text, config=_FTFY_CONFIG) == text, repr(text)
            assert unicodedata.normalize("NFKC", text) == text, repr(text)


def test_real_tweets_with_emoji_repair_the_same_with_or_without_the_shortcut(pilpres_tweets, monkeypatch):
    texts = [repair_encoding(t) for t in pilpres_tweets]
    with_emoji = [t for t in texts if not t.isascii() and _INERT.fullmatch(t)]
    assert len(with_emoji) > 50
    monkeypatch.setattr("netral_nlp.text.encoding._INERT", re.compile(r"(?!)"))
    assert [repair_encoding(t) for t in with_emoji] == with_emoji

"""Evasion: a campaign post disguised with invisible characters or look-alike letters gets the same
normalised text, the same contestants and, from the shipped model, the same label and
probabilities as the post itself, for every preset."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netral_nlp.batch import predict_file
from netral_nlp.elections import load_election
from netral_nlp.text import Normalizer
from netral_nlp.text.normalize import PRESETS

#: Real campaign calls (the first is the reported case) and a neutral one, with their election.
POSTS = [
    ("Ayo menangkan Jokowi dua periode! coblos 01", "pilpres-2019"),
    ("Dukung Prabowo Sandi, pilih nomor 02 tanggal 17 April #2019GantiPresiden", "pilpres-2019"),
    ("Mari coblos Anies Muhaimin nomor urut 1, perubahan untuk Indonesia", "pemilu-2024"),
    ("Prabowo Gibran lanjutkan! Coblos 02 di TPS", "pemilu-2024"),
    ("Ganjar Mahfud paling pantas, jangan lupa pilih 03", "pemilu-2024"),
    ("KPU menetapkan jadwal pemungutan suara pada 14 Februari", "pemilu-2024"),
]

_WORD = re.compile(r"[A-Za-z0-9]{2,}")


def _inside_words(mark: str) -> Callable[[str], str]:
    """Put ``mark`` after the first character of every word and number."""
    return lambda text: _WORD.sub(lambda m: m.group(0)[0] + mark + m.group(0)[1:], text)


def _between_letters(mark: str) -> Callable[[str], str]:
    """Put ``mark`` between every two characters of every word and number."""
    return lambda text: _WORD.sub(lambda m: mark.join(m.group(0)), text)


_CYRILLIC = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і", "P": "Р", "A": "А", "M": "М"})
_GREEK = str.maketrans({"o": "ο", "i": "ι", "k": "κ", "v": "ν", "A": "Α", "M": "Μ", "K": "Κ"})
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_SMALL_CAPS = str.maketrans(
    {"a": "ᴀ", "b": "ʙ", "c": "ᴄ", "d": "ᴅ", "e": "ᴇ", "g": "ɢ", "h": "ʜ", "i": "ɪ", "j": "ᴊ", "k": "ᴋ", "l": "ʟ", "m": "ᴍ", "n": "ɴ"}
    | {"o": "ᴏ", "p": "ᴘ", "r": "ʀ", "s": "ꜱ", "t": "ᴛ", "u": "ᴜ", "w": "ᴡ", "y": "ʏ", "z": "ᴢ"}
)

#: Each disguise: a name and what it does to a text. Invisible characters of every kind the issue
#: names (U+200B-U+200F, U+202A-U+202E, U+2060-U+2064, U+FEFF, U+00AD), then look-alikes.
DISGUISES: dict[str, Callable[[str], str]] = {
    **{f"U+{ord(c):04X}": _inside_words(c) for c in "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad"},
    **{f"U+{ord(c):04X}-pair": _inside_words(c + "\u202c") for c in "\u202a\u202b\u202d\u202e"},
    "zwsp-everywhere": _between_letters("\u200b"),
    "soft-hyphen-everywhere": _between_letters("\u00ad"),
    "word-joiner-everywhere": _between_letters("\u2060"),
    "isolates": _inside_words("\u2066\u2069"),
    "hangul-filler": _inside_words("\u3164"),
    "variation-selector": _inside_words("\ufe01"),
    "tag-characters": _inside_words("\U000e0041\U000e0042"),
    "cyrillic-letters": lambda t: t.translate(_CYRILLIC),
    "greek-letters": lambda t: t.translate(_GREEK),
    "arabic-indic-digits": lambda t: t.translate(_ARABIC_DIGITS),
    "everything-at-once": lambda t: _inside_words("\u200b\u00ad\u2060")(t.translate(_CYRILLIC)).translate(_ARABIC_DIGITS),
}


def _normalizer(preset: str, election: str) -> Normalizer:
    return _normalizers.setdefault((preset, election), Normalizer(preset, election=election))


_normalizers: dict[tuple[str, str], Normalizer] = {}


@pytest.mark.parametrize("preset", sorted(PRESETS))
@pytest.mark.parametrize("disguise", list(DISGUISES))
def test_same_normalised_text_and_contestants_with_and_without_disguise(preset, disguise):
    for post, election in POSTS:
        dirty = DISGUISES[disguise](post)
        assert dirty != post
        n = _normalizer(preset, election)
        assert n(dirty) == n(post), (post, dirty)
        assert n.contestants(dirty) == n.contestants(post)
        assert load_election(election).matcher.pairs_mentioned(dirty) == load_election(election).matcher.pairs_mentioned(post)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_small_capitals_read_as_letters(preset):
    # "Fancy text" generators write ᴊᴏᴋᴏᴡɪ; the normaliser lower-cases, so compare in lower case.
    post, election = POSTS[0]
    n = _normalizer(preset, election)
    dirty = post.lower().translate(_SMALL_CAPS)
    assert n(dirty) == n(post) and n.contestants(dirty) == n.contestants(post) == ["01"]


def test_the_shipped_model_is_not_evaded(shipped_model):
    # The reported case: 'campaign' (0.835, contestants ['01']) without U+200B, 'non_political'
    # (0.393, contestants []) with it inside "Jokowi", "coblos" and "01".
    clean = [post for post, _ in POSTS]
    for disguise in DISGUISES.values():
        dirty = [disguise(post) for post in clean]
        assert shipped_model.predict(dirty) == shipped_model.predict(clean)
        np.testing.assert_allclose(shipped_model.predict_proba(dirty), shipped_model.predict_proba(clean), atol=1e-9)
    reported = "Ayo menangkan Jo\u200bkowi dua periode! co\u200bblos 0\u200b1"
    assert shipped_model.predict(reported) == "campaign"


def test_predict_gives_the_same_rows_for_disguised_posts(tmp_path, shipped_model):
    src = tmp_path / "posts.jsonl"
    rows = []
    for i, (post, _) in enumerate(POSTS):
        rows.append({"id": f"clean-{i}", "text": post})
        rows += [{"id": f"{name}-{i}", "text": disguise(post)} for name, disguise in DISGUISES.items()]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    predict_file(src, out, model=shipped_model, election="pemilu-2024")
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_id = {r["id"]: r for r in got}
    for i in range(len(POSTS)):
        clean = {k: v for k, v in by_id[f"clean-{i}"].items() if k != "id"}
        for name in DISGUISES:
            assert {k: v for k, v in by_id[f"{name}-{i}"].items() if k != "id"} == clean, name


EVASION_PIECES = ["\u200b", "\u200d", "\u00ad", "\u2060", "\ufeff", "\u202e", "\u202c", "о", "Р", "ᴊ", "٠", "١", "👨", "\U000e0041", "🏴"]
WORDS = ["Jokowi", "Prabowo", "coblos", "01", "02", "#2019GantiPresiden", "@jokowi", "AMIN", " ", "wkwk", "Ã", "ðŸ", "\\x"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(EVASION_PIECES + WORDS), max_size=20).map("".join))
def test_normalising_disguised_text_twice_changes_nothing_more(text):
    for preset in sorted(PRESETS):
        n = _normalizer(preset, "pemilu-2024")
        once = n(text)
        assert n(once) == once

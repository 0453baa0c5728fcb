"""Characters that hide a word from a classifier while a reader still sees it.

"Ayo menangkan Jo\u200bkowi dua periode! co\u200bblos 0\u200b1" reads as a plain campaign call,
but a zero-width space inside each word turns "Jokowi" and "coblos" into tokens no model knows and
hides the ballot number: the shipped model said ``non_political`` (0.39) instead of ``campaign``
(0.84). Anyone avoiding detection will do this, so the normaliser undoes it first:

- zero-width and formatting characters are removed: U+200B-U+200F (zero-width space, non-joiner,
  joiner, direction marks), U+202A-U+202E and U+2066-U+2069 (direction embeddings, overrides and
  isolates), U+2060-U+2064 (word joiner, invisible operators), U+FEFF, the soft hyphen U+00AD, and
  other invisible characters (U+034F, U+180E, Hangul fillers, variation selectors after a letter,
  tag characters outside an emoji flag). The zero-width joiner stays inside emoji sequences
  (👨‍👩‍👧), where it belongs, and goes between letters;
- letters of other scripts that look like Latin ones (Cyrillic "о", Greek "ο", small capitals
  "ᴊᴏᴋᴏᴡɪ") become those Latin letters: Indonesian is written in the Latin script, and a Latin
  word with a Cyrillic "о" in it is a disguise, not Russian;
- decimal digits of other scripts ("٠١") become ASCII digits, so that ballot numbers are seen.

Text without any of these characters (nearly all of it) is returned as it is, after one regex
search.

>>> deobfuscate("Ayo menangkan Jo\u200bkowi! co\u00adblos 0\u20601")
'Ayo menangkan Jokowi! coblos 01'
>>> deobfuscate("Dukung Рrabowo")    # a Cyrillic "Р"
'Dukung Prabowo'
>>> deobfuscate("keluarga 👨\u200d👩\u200d👧")  # an emoji sequence keeps its joiners
'keluarga 👨\u200d👩\u200d👧'
"""

from __future__ import annotations

import re
import unicodedata

from netral_nlp.text.encoding import repair_encoding

__all__ = ["INVISIBLE", "LOOKALIKES", "deobfuscate", "reveal"]

#: Invisible characters removed wherever they are (the zero-width joiner is handled apart).
INVISIBLE = (
    "\u00ad"  # soft hyphen
    "\u034f"  # combining grapheme joiner
    "\u061c"  # Arabic letter mark
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers, shown as nothing
    "\u17b4\u17b5"  # Khmer inherent vowels, invisible
    "\u180b-\u180f"  # Mongolian variation selectors and vowel separator
    "\u200b\u200c\u200e\u200f"  # zero-width space and non-joiner, direction marks
    "\u202a-\u202e"  # direction embeddings and overrides
    "\u2060-\u2064"  # word joiner, invisible operators
    "\u2066-\u206f"  # direction isolates, deprecated format characters
    "\ufe00-\ufe0d"  # variation selectors 1-14 (no Indonesian text needs one)
    "\ufeff"  # zero-width no-break space (a BOM inside text)
    "\U0001d173-\U0001d17a"  # musical formatting
    "\U000e0100-\U000e01ef"  # variation selectors supplement
)
#: Letters of other scripts drawn like a Latin letter, and that letter.
LOOKALIKES: dict[str, str] = {
    # Cyrillic
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Ԛ": "Q", "Ԝ": "W", "Ү": "Y", "Һ": "H", "Ӏ": "I",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ү": "y", "һ": "h", "ӏ": "l", "ɡ": "g",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "α": "a", "ι": "i", "κ": "k", "ν": "v", "ρ": "p",
    "υ": "u", "χ": "x", "ϲ": "c", "ϳ": "j",
    # Latin small capitals and other letter forms of "fancy text" generators
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j",
    "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u",
    "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ɑ": "a", "ı": "i", "ȷ": "j",
}  # fmt: skip

_LOOKALIKE_TABLE = str.maketrans(LOOKALIKES)
# Tag characters spell the subdivision of a black-flag emoji (🏴 + tags + cancel tag); anywhere
# else they are invisible text.
_TAGS = "\U000e0020-\U000e007f"
_FLAG = "\U0001f3f4"
_SUSPECT = re.compile(
    f"[{INVISIBLE}\u200d{_TAGS}{''.join(LOOKALIKES)}]|(?![0-9])\\d",
)
_STRIP = re.compile(f"[{INVISIBLE}]+")
# A joiner run next to a letter or digit joins nothing an emoji needs.
_LETTER_JOINER = re.compile(r"(?<=\w)\u200d+|\u200d+(?=\w)")
_STRAY_TAGS = re.compile(f"(?<![{_FLAG}{_TAGS}])[{_TAGS}]+")
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")


def _ascii_digit(m: re.Match[str]) -> str:
    return str(unicodedata.decimal(m.group(0)))


def deobfuscate(text: str) -> str:
    """``text`` without invisible characters, with look-alike letters and digits of other scripts
    turned into the Latin letters and ASCII digits they pass for (see the module docstring)."""
    if text.isascii() or _SUSPECT.search(text) is None:
        return text
    text = _STRIP.sub("", text)
    if "\u200d" in text:
        text = _LETTER_JOINER.sub("", text)
    text = _STRAY_TAGS.sub("", text)
    text = text.translate(_LOOKALIKE_TABLE)
    return _OTHER_DIGIT.sub(_ascii_digit, text)


# A variation selector after an ASCII character belongs to no emoji unless a keycap follows; the
# emoji stage would drop it and glue its neighbours ("#\ufe0fGanti"), so it goes before that matters.
_STRAY_VS = re.compile(r"(?<=[\x00-\x7f])[\ufe0e\ufe0f](?!\u20e3)")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def reveal(text: str) -> str:
    """A raw post as every later reader sees it: encodings repaired (mojibake, ``\\x`` escapes),
    invisible characters and look-alike letters undone, stray variation selectors dropped, ASCII
    control characters made spaces. The first stage of the normaliser and of the contestant
    finder, run once for both when a batch needs both.

    >>> reveal("Dukung Jo\u200bkowi!"), reveal("coblos\x0701")
    ('Dukung Jokowi!', 'coblos 01')
    """
    if not text.isascii() or "\\x" in text:
        # Invisible characters and look-alike letters go after the repair (a soft hyphen is part
        # of the mojibake of "í") and before anything looks for words.
        text = deobfuscate(repair_encoding(text))
        if "\ufe0f" in text or "\ufe0e" in text:
            text = _STRAY_VS.sub("", text)
    elif _ASCII_CONTROL.search(text):
        text = _ASCII_CONTROL.sub(" ", text)
    return text

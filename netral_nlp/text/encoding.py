"""Repair of broken encodings found in scraped Indonesian social-media text.

Three kinds of damage are common in the public Indonesian Twitter corpora:

* double-encoded UTF-8 ("mojibake"): ``ðŸ‘‡`` for 👇, ``Ã¢Â€Âœ`` for a quote. ftfy repairs these;
* byte escapes written out as text by a Python 2 scraper: ``\\xf0\\x9f\\x98\\x82`` for 😂;
* lossy mojibake where a byte became ``?`` on the way (``â??`` for a closing quote, ``â?¦`` for an
  ellipsis). No decoder can undo the loss, so the most likely character is put back.

After repair the text is NFKC-normalised, which also turns "fancy" letters (𝐛𝐨𝐥𝐝, ｆｕｌｌ-width)
into plain ones.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy

__all__ = ["read_text_file", "repair_encoding"]

# A run of \xNN escapes written out as literal text (at least two, so "\x" alone is untouched).
_BYTE_ESCAPES = re.compile(r"(?:\\x[0-9a-fA-F]{2}){2,}")
# Lossy cp1252 mojibake of common punctuation: the UTF-8 lead byte survived as "â" and one or
# both continuation bytes became "?". Longest patterns first.
_LOSSY_PUNCTUATION = (
    ("â?¦", "…"),
    ("â??", "\u201d"),
    ("â?", "\u2019"),
)
# A cut-off escape at the very end of a truncated tweet ("...ini \\xf0\\x9", "\\xf0\\" or "\\x").
_TRAILING_ESCAPE = re.compile(r"(?:\\x[0-9a-fA-F]{0,2})+\\?'?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# ftfy's defaults, minus the ones that would change meaning for this domain: keep the text's
# own quotes and line breaks, and do not expand HTML entities here (the normaliser does that).
_FTFY_CONFIG = ftfy.TextFixerConfig(unescape_html=False, uncurl_quotes=False, normalization="NFKC")
# Rounds of ftfy + the replacements below; real text needs one, odd text two or three.
_MAX_ROUNDS = 5
# Text whose only non-ASCII characters are emoji (pictographs, dingbats, flags, keycaps, joiners) is
# what ftfy and NFKC leave as it is: none of these characters is in a legacy code page, in ftfy's
# mojibake classes or tables, or has an NFKC decomposition. Most posts with emoji are such text, and
# skipping ftfy for them makes the normaliser several times faster on them; tests check the claim.
_INERT = re.compile(
    r"[\t\n\x20-\x7e\u200d\u20e3\u2600-\u27bf\ufe0f\U0001f1e6-\U0001f1ff\U0001f300-\U0001f64f\U0001f680-\U0001f6ff\U0001f900-\U0001f9ff\U0001fa70-\U0001faff]*"
)


def _decode_escapes(match: re.Match[str]) -> str:
    raw = bytes(int(h, 16) for h in re.findall(r"\\x([0-9a-fA-F]{2})", match.group(0)))
    return raw.decode("utf-8", errors="replace").replace("\ufffd", "")


def _decode_escape_runs(text: str) -> str:
    if "\\x" not in text:
        return text
    return _TRAILING_ESCAPE.sub("", _BYTE_ESCAPES.sub(_decode_escapes, text))


def repair_encoding(text: str) -> str:
    """Return ``text`` with broken encodings repaired and Unicode NFKC-normalised.

    >>> repair_encoding("Berita ini ðŸ‘‡ pasti hoax")
    'Berita ini 👇 pasti hoax'
    >>> repair_encoding("bani taplak \\\\xf0\\\\x9f\\\\x98\\\\x84")
    'bani taplak 😄'
    """
    if not isinstance(text, str):
        raise TypeError(f"repair_encoding expects str, got {type(text).__name__}")
    # ftfy stops at a text it cannot improve, but the steps around it can leave one it can:
    # "\x8d\x87¢¶" keeps the C1 control \x8d, which becomes a space, and " ‡¢¶" then reads as
    # mojibake; NFKC turns "＼ｘ４１＼ｘ４２" into byte escapes. Repeat until nothing changes, so that
    # repairing a repaired text changes nothing (the normaliser must be idempotent).
    for _ in range(_MAX_ROUNDS):
        text = _decode_escape_runs(text)
        if "â?" in text:
            # The three-character ones before ftfy, which turns a run of them ("lainnya.â?¦â?¦â?¦")
            # into U+FFFD characters; the rest after it, once it has repaired what it can.
            for broken, replacement in _LOSSY_PUNCTUATION[:2]:
                text = text.replace(broken, replacement)
        if _INERT.fullmatch(text) and _decode_escape_runs(text) == text:
            return text
        text = ftfy.fix_text(text, config=_FTFY_CONFIG)
        fixed = text
        if "â?" in fixed:
            for broken, replacement in _LOSSY_PUNCTUATION:
                fixed = fixed.replace(broken, replacement)
        fixed = unicodedata.normalize("NFKC", _CONTROL.sub(" ", fixed))
        if fixed == text and _decode_escape_runs(fixed) == fixed:
            break
        text = fixed
    return fixed


def read_text_file(path: str, *, encodings: tuple[str, ...] = ("utf-8-sig", "cp1252", "latin-1")) -> str:
    """Read a text file that may be UTF-8 or a legacy 8-bit encoding, and repair it.

    The first encoding that decodes the whole file wins; ``latin-1`` always decodes, so a file is
    never refused, and mojibake that results from a wrong guess is repaired by ftfy.
    """
    with open(path, "rb") as fh:
        raw = fh.read()
    for enc in encodings:
        try:
            return repair_encoding(raw.decode(enc))
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{path}: cannot decode with any of {encodings}")  # pragma: no cover

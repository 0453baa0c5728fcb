"""Build netral_nlp/resources/lexicons/id_wordfreq.tsv, the word list used to split hashtags
and to undo elongation ("bangeeettt" -> "banget").

Counts of lower-case alphabetic words in public Indonesian text: IndoNLU SmSA/EmoT/CASA/HoASA
(MIT), NusaX-id (CC BY-SA 4.0) and ibrohim2019_hs tweets (CC BY-NC-SA 4.0), plus the standard
side of the slang lexicons. Only words seen at least twice are kept; no sentence is stored.
Run from the repository root: python data/build_wordfreq.py --shared ../shared/data
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import re
from pathlib import Path

from netral_nlp.text.encoding import repair_encoding

OUT = Path("netral_nlp/resources/lexicons/id_wordfreq.tsv")
WORD = re.compile(r"[a-z]{2,}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared/data", type=Path)
    d = ap.parse_args().shared
    counts: collections.Counter[str] = collections.Counter()

    def add(text: str) -> None:
        # Hashtags are left out: their glued words ("gantipresiden") are what the list must split.
        text = re.sub(r"#\w+", " ", repair_encoding(str(text)))
        counts.update(WORD.findall(text.lower()))

    idn = d / "indonlu"
    for fn in sorted(idn.glob("*_train_preprocess.*")) + sorted(idn.glob("*_valid_preprocess.*")):
        with open(fn, encoding="utf-8") as fh:
            for row in csv.reader(fh, delimiter="\t" if fn.suffix == ".tsv" else ","):
                if row:
                    add(row[0] if fn.suffix == ".tsv" else max(row, key=len))
    for fn in sorted((d / "nusax_id").glob("*.csv")):
        with open(fn, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                add(row["text"])
    with open(d / "ibrohim2019_hs/re_dataset.csv", encoding="latin-1") as fh:
        for row in csv.DictReader(fh):
            add(row["Tweet"])
    lex = Path("netral_nlp/resources/lexicons")
    with open(lex / "ibrohim2019_new_kamusalay.csv", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            if len(row) == 2:
                counts.update({w: 2 for w in WORD.findall(row[1])})
    for v in json.loads((lex / "louisowen6_combined_slang_words.json").read_text()).values():
        counts.update({w: 2 for w in WORD.findall(v)})
    kept = sorted(((w, c) for w, c in counts.items() if c >= 2 and w not in {"user", "url", "username"}), key=lambda x: (-x[1], x[0]))
    with open(OUT, "w", encoding="utf-8") as fh:
        fh.write("# word\tcount  (see data/build_wordfreq.py; sources and licences in ../README.md)\n")
        for w, c in kept:
            fh.write(f"{w}\t{c}\n")
    print(len(kept), "words ->", OUT)


if __name__ == "__main__":
    main()

"""Reading the project's labelled corpus and users' labelled sets, with clear errors.

>>> from netral_nlp.data import load_corpus
>>> ds = load_corpus()                       # a datasets.DatasetDict: train / dev / test
>>> df = load_corpus("test", as_pandas=True)  # one split as a pandas DataFrame
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import html
import io
import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from netral_nlp.errors import InputError
from netral_nlp.models.base import LABELS
from netral_nlp.text.encoding import repair_encoding

if TYPE_CHECKING:
    import datasets

__all__ = ["CORPUS_ENV", "LabelledSet", "corpus_path", "load_corpus", "read_labelled"]

#: Environment variable that points at a corpus.csv elsewhere (e.g. a non-editable install).
CORPUS_ENV = "NETRAL_CORPUS"
SPLITS = ("train", "dev", "test")

#: Licence of each source of ``posts2024``: only MIT texts may be committed; for the others the
#: corpus keeps ids, labels and a hash, and the loader joins the texts from a local copy.
POSTS2024_LICENCES = {
    "ghazafm_pilpres2024_twitter": "MIT",
    "achmaddhani_prabowogibran_twitter": "MIT",
    "luthfilkhairi_politik_twitter": "MIT",
    "andihisyam_pilkada2024_twitter": "MIT",
    "andihisyam_jkt48_twitter": "MIT",
    "fahrihilm_timnas_youtube": "MIT",
    "rizano26_pemilu2024_twitter": "none stated (ids and labels only)",
    "ndtsaniyah_debatcapres_youtube": "none stated (ids and labels only)",
    "larassetyadita_pilgubjakarta_twitter": "none stated (ids and labels only)",
    "rahmaputri_pilkadajatim_twitter": "none stated (ids and labels only)",
    "salatid_pilkadabanten_youtube": "none stated (ids and labels only)",
    "davidkristian_mbg_twitter": "none stated (ids and labels only)",
    "tippoart_gerindra_tiktok": "none stated (ids and labels only)",
    "atrkhomeini_coffeeshop_twitter": "none stated (ids and labels only)",
}

_HTML_BREAK = re.compile(r"<br\s*/?>", re.I)
_HTML_TAG = re.compile(r"</?(?:a|b|i|u|s|span|strike)\b[^>]*>", re.I)
_SPACES = re.compile(r"[ \t\u00a0]+")
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")  # spreadsheets write control bytes as _x008D_


def clean_post_text(raw: str) -> str:
    """The text of a scraped post as a reader sees it: HTML of YouTube comments turned into plain
    text (``<br>`` -> line break, link tags dropped with their text kept, entities expanded),
    spreadsheet escapes (``_x008D_``) and encodings repaired, runs of spaces collapsed. Deterministic: the corpus stores, and the loader
    rebuilds, texts with it.

    >>> clean_post_text('Hebat &amp; tegas<br><a href="https://youtu.be/x?t=84">1:24</a> pak  Prabowo')
    'Hebat & tegas\n1:24 pak Prabowo'
    """
    text = _HTML_TAG.sub("", _HTML_BREAK.sub("\n", raw))
    text = _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = repair_encoding(html.unescape(text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def text_sha256(raw: str) -> str:
    """SHA-256 (hex) of a post's verbatim UTF-8 text: how the corpus checks a joined text."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def corpus_path() -> Path:
    """Where ``corpus.csv`` is: ``$NETRAL_CORPUS``, else ``data/netral-corpus`` of the checkout."""
    env = os.environ.get(CORPUS_ENV)
    if env:
        return Path(env)
    path = Path(__file__).resolve().parents[1] / "data" / "netral-corpus" / "corpus.csv"
    if not path.exists():
        raise FileNotFoundError(
            f"corpus not found at {path}. The corpus ships with the source checkout (data/netral-corpus); "
            f"install from a checkout with `pip install -e .`, or set {CORPUS_ENV}=/path/to/corpus.csv"
        )
    return path


def load_corpus(
    split: str | None = None,
    *,
    as_pandas: bool = False,
    min_confidence: str | None = None,
    path: str | Path | None = None,
) -> datasets.DatasetDict | datasets.Dataset | pd.DataFrame:
    """Load the netral corpus.

    ``split=None`` gives every split (a ``DatasetDict``, or one DataFrame with a ``split`` column
    when ``as_pandas``); ``"train"``, ``"dev"`` or ``"test"`` gives one. ``min_confidence="high"``
    keeps only posts whose label the annotators marked as clear.
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {SPLITS} or None")
    if min_confidence not in (None, "low", "high"):
        raise ValueError("min_confidence must be None, 'low' or 'high'")
    df = pd.read_csv(path or corpus_path(), dtype=str, keep_default_na=False)
    if min_confidence == "high":
        df = df[df["confidence"] == "high"]
    if split is not None:
        df = df[df["split"] == split]
    df = df.reset_index(drop=True)
    if as_pandas:
        return df
    import datasets

    if split is not None:
        return datasets.Dataset.from_pandas(df, preserve_index=False)
    return datasets.DatasetDict(
        {s: datasets.Dataset.from_pandas(df[df["split"] == s].reset_index(drop=True), preserve_index=False) for s in SPLITS}
    )


@dataclasses.dataclass
class LabelledSet:
    """A validated labelled set: ``texts`` and ``labels`` in file order, plus what was read."""

    texts: list[str]
    labels: list[str]
    ids: list[str]
    frame: pd.DataFrame
    path: str

    def summary(self) -> str:
        counts = Counter(self.labels)
        parts = ", ".join(f"{k}: {counts.get(k, 0)}" for k in sorted(counts))
        return f"{self.path}: {len(self.texts)} labelled posts ({parts})"

    def __len__(self) -> int:
        return len(self.texts)


def _read_frame(path: Path) -> tuple[pd.DataFrame, int]:
    """Read CSV/JSONL/Parquet (optionally .gz) into strings; returns the frame and the line
    number of its first data row (so errors can name file lines)."""
    name = path.name.removesuffix(".gz")
    if path.name.endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            raw = fh.read()
    else:
        raw = path.read_bytes()
    if name.endswith(".parquet"):
        return pd.read_parquet(io.BytesIO(raw)), 1
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{bad_line}: bytes that are not UTF-8 ({exc.reason}); re-save the file as UTF-8", code="E110") from None
    if name.endswith((".jsonl", ".ndjson", ".json")):
        rows: list[Any] = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{lineno}: invalid JSON ({exc.msg})", code="E111") from None
            if not isinstance(obj, dict):
                raise InputError(f"{path}:{lineno}: expected a JSON object per line", code="E111")
            obj["__line__"] = lineno
            rows.append(obj)
        return pd.DataFrame(rows), 1
    if name.endswith((".csv", ".tsv")):
        df = pd.read_csv(io.StringIO(text), sep="\t" if name.endswith(".tsv") else ",", dtype=object, keep_default_na=False)
        return df, 2
    raise InputError(f"{path}: unknown file type; use .csv, .tsv, .jsonl or .parquet (optionally .gz)", code="E112")


def read_labelled(
    path: str | Path,
    *,
    text_key: str = "text",
    label_key: str = "label",
    id_key: str | None = "id",
    labels: tuple[str, ...] = LABELS,
) -> LabelledSet:
    """Read and validate a user's labelled set (CSV, TSV, JSONL or Parquet, optionally .gz).

    Every problem is reported with file, line and field: missing columns, empty or non-string
    text, unknown labels (listing the allowed ones), bad encodings, duplicated ids. All problems
    of a file are collected and raised together, so one run shows every row to fix.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"labelled set not found: {path}")
    df, first_line = _read_frame(path)
    missing = [c for c in (text_key, label_key) if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {missing}; found {[c for c in df.columns if c != '__line__']}", code="E113")
    line_of = df["__line__"].tolist() if "__line__" in df.columns else [i + first_line for i in range(len(df))]
    problems: list[str] = []
    for i, (text, label) in enumerate(zip(df[text_key].tolist(), df[label_key].tolist(), strict=True)):
        where = f"{path}:{line_of[i]}"
        if not isinstance(text, str):
            problems.append(f"{where}: field {text_key!r} is {type(text).__name__}, expected text")
        elif not text.strip():
            problems.append(f"{where}: field {text_key!r} is empty")
        if label not in labels:
            problems.append(f"{where}: field {label_key!r} has unknown label {label!r}; allowed: {', '.join(labels)}")
    ids: list[str]
    if id_key and id_key in df.columns:
        ids = [str(x) for x in df[id_key].tolist()]
        seen: dict[str, int] = {}
        for i, x in enumerate(ids):
            if x in seen:
                problems.append(f"{path}:{line_of[i]}: field {id_key!r} duplicates id {x!r} of line {line_of[seen[x]]}")
            else:
                seen[x] = i
    else:
        ids = [str(n) for n in line_of]
    if problems:
        head = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise InputError(f"{path}: {len(problems)} problem(s):\n  {head}{more}", code="E114")
    frame = df.drop(columns=["__line__"], errors="ignore")
    return LabelledSet(texts=list(df[text_key]), labels=list(df[label_key]), ids=ids, frame=frame, path=str(path))

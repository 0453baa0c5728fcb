"""Tools for a reader annotating a chunk: show the posts, check the label file. Neither decides a label.

    python data/netral-corpus/build/annotate.py show  build/chunks/v2_pass1_00.csv --start 0 --count 40
    python data/netral-corpus/build/annotate.py check build/chunks/v2_pass1_00.csv annotations/v2_pass1/v2_pass1_00.csv

A label file is a CSV with the header ``row,id,label,confidence,campaign_type``: ``row`` is the
post's row number in the chunk as ``show`` prints it, ``id`` its id (both must match, which
catches a skipped or shifted line), ``label`` one of campaign / political_neutral /
non_political, ``confidence`` high / low, ``campaign_type`` promote / attack / mixed for campaign
posts and empty otherwise (files of the 2014-2019 corpus may leave it empty).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

LABELS = ("campaign", "political_neutral", "non_political")
CONFIDENCE = ("high", "low")
CAMPAIGN_TYPES = ("promote", "attack", "mixed")
HEADER = ["row", "id", "label", "confidence", "campaign_type"]


def show(chunk: Path, start: int, count: int) -> None:
    df = pd.read_csv(chunk, dtype=str, keep_default_na=False)
    for i in range(start, min(start + count, len(df))):
        r = df.iloc[i]
        where = " | ".join(x for x in (r.get("context", ""), r.get("date", "")) if x)
        print(f"[{i}] {r['id']}" + (f" | {where}" if where else ""))
        print("    " + str(r["text"]).replace("\n", "\n    "))
    print(f"-- rows {start}..{min(start + count, len(df)) - 1} of {len(df)}")


def check(chunk: Path, labels: Path, *, require_type: bool = True) -> list[str]:
    ids = pd.read_csv(chunk, dtype=str, keep_default_na=False)["id"].tolist()
    problems: list[str] = []
    try:
        got = pd.read_csv(labels, dtype=str, keep_default_na=False)
    except Exception as exc:  # a malformed file is a problem to report, not a crash
        return [f"{labels}: cannot read as CSV ({exc})"]
    if list(got.columns) != HEADER:
        return [f"{labels}: header must be {','.join(HEADER)}, found {','.join(got.columns)}"]
    seen: set[int] = set()
    for n, r in enumerate(got.itertuples(index=False), start=2):
        where = f"{labels}:{n}"
        try:
            row = int(r.row)
        except ValueError:
            problems.append(f"{where}: row {r.row!r} is not a number")
            continue
        if not 0 <= row < len(ids):
            problems.append(f"{where}: row {row} is outside the chunk (0..{len(ids) - 1})")
            continue
        if ids[row] != r.id:
            problems.append(f"{where}: row {row} has id {ids[row]}, the file says {r.id}")
        if row in seen:
            problems.append(f"{where}: row {row} labelled twice")
        seen.add(row)
        if r.label not in LABELS:
            problems.append(f"{where}: unknown label {r.label!r}")
        if r.confidence not in CONFIDENCE:
            problems.append(f"{where}: confidence must be high or low, not {r.confidence!r}")
        if r.label == "campaign" and require_type and r.campaign_type not in CAMPAIGN_TYPES:
            problems.append(f"{where}: a campaign post needs campaign_type promote/attack/mixed")
        if r.label != "campaign" and r.campaign_type:
            problems.append(f"{where}: campaign_type is only for campaign posts")
    missing = sorted(set(range(len(ids))) - seen)
    if missing:
        problems.append(f"{labels}: {len(missing)} rows not labelled yet, first ones: {missing[:20]}")
    if not problems:
        counts = Counter(got["label"])
        types = Counter(got.loc[got["label"] == "campaign", "campaign_type"])
        print(f"OK: {len(got)} posts; " + ", ".join(f"{k} {counts[k]}" for k in LABELS) + f"; campaign types {dict(types)}")
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("show", help="print posts of a chunk with their row numbers and ids")
    s.add_argument("chunk", type=Path)
    s.add_argument("--start", type=int, default=0)
    s.add_argument("--count", type=int, default=40)
    c = sub.add_parser("check", help="validate a label file against its chunk")
    c.add_argument("chunk", type=Path)
    c.add_argument("labels", type=Path)
    c.add_argument("--no-type", action="store_true", help="campaign_type may be empty (old corpus)")
    args = ap.parse_args()
    if args.cmd == "show":
        show(args.chunk, args.start, args.count)
        return
    problems = check(args.chunk, args.labels, require_type=not args.no_type)
    for p in problems[:60]:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

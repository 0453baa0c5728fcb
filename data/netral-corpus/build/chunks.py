"""Cut candidates.csv into annotation chunks (deterministic).

pass1: every candidate, in chunks of about 510 posts.
pass2: 600 posts drawn stratified by pool, for a second, independent annotator pass.
Run: python data/netral-corpus/build/chunks.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
SEED = 7
PASS2_SIZE = 600


def main() -> None:
    c = pd.read_csv(HERE / "candidates.csv", keep_default_na=False)
    out = HERE / "chunks"
    out.mkdir(exist_ok=True)
    n_chunks = -(-len(c) // 510)
    for k in range(n_chunks):
        c.iloc[k::n_chunks][["id", "text"]].to_csv(out / f"pass1_{k:02d}.csv", index=False)
    frac = PASS2_SIZE / len(c)
    p2 = c.groupby("pool", group_keys=False).apply(lambda g: g.sample(frac=frac, random_state=SEED))
    p2 = p2.sample(frac=1.0, random_state=SEED)
    half = len(p2) // 2
    p2.iloc[:half][["id", "text"]].to_csv(out / "pass2_00.csv", index=False)
    p2.iloc[half:][["id", "text"]].to_csv(out / "pass2_01.csv", index=False)
    print(n_chunks, "pass1 chunks;", len(p2), "pass2 posts")


if __name__ == "__main__":
    main()

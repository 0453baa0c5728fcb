"""Build the shipped cascade, models/netral-cascade: the fast model first, the default model for
the posts it is unsure of, the confidence chosen on the corpus dev split.

Run from the repository root, after the default and the fast models (a minute or two):
    python models/build/build_cascade.py --out models/netral-cascade

The confidence is the lowest of 0.50, 0.55, ..., 0.95 at which the cascade's dev macro-F1 is
within 0.01 of the default model alone (the fewest posts sent to the slow model); the
precision-targeted campaign threshold is chosen on dev too. See netral_nlp.models.cascade.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from netral_nlp.data import load_corpus
from netral_nlp.models import load_model
from netral_nlp.models.cascade import CascadeClassifier


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--max-loss", type=float, default=0.01, help="dev macro-F1 the cascade may lose against the default model")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    dev = load_corpus("dev", as_pandas=True)
    cascade = CascadeClassifier.tune(
        load_model("fast"),
        load_model("default"),
        dev["text"].tolist(),
        dev["label"].tolist(),
        max_loss=a.max_loss,
        names=("fast", "default"),
    )
    cascade.metadata["name"] = a.out.name
    cascade.save_pretrained(a.out)
    logging.info("confidence %.2f: %s -> %s", cascade.confidence, json.dumps(cascade.metadata["tuning"]), a.out)


if __name__ == "__main__":
    main()

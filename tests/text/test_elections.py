"""Election configs (netral_nlp.elections) and contestant masking in the normaliser."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from netral_nlp.elections import PERIODS, ElectionConfig, ElectionConfigError, available_elections, load_election
from netral_nlp.text import Normalizer

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
SHIPPED = ("pemilu-2024", "pilkada-2024-template", "pilpres-2019")


@pytest.fixture(scope="module")
def pemilu2024() -> Normalizer:
    return Normalizer("transformer", election="pemilu-2024")


@pytest.fixture(scope="module")
def pilpres2019() -> Normalizer:
    return Normalizer("transformer", election="pilpres-2019")


# --- shipped configs -------------------------------------------------------------------------------


def test_every_shipped_election_loads():
    assert set(SHIPPED) <= set(available_elections())
    for election_id in available_elections():
        cfg = load_election(election_id)
        assert isinstance(cfg, ElectionConfig)
        assert cfg.id == election_id
        assert cfg.pairs and [p.number for p in cfg.pairs] == sorted({p.number for p in cfg.pairs})
        assert all(len(p.candidates) == 2 for p in cfg.pairs)
        assert load_election(cfg) is cfg


def test_shipped_contestants():
    pemilu = load_election("pemilu-2024")
    assert [p.ballot_label for p in pemilu.pairs] == ["01", "02", "03"]
    assert pemilu.pair(2).name == "Prabowo Subianto - Gibran Rakabuming Raka"
    assert pemilu.campaign_accounts["prabowo"] == 2
    assert load_election("pilpres-2019").pair(1).name == "Joko Widodo - Ma'ruf Amin"
    with pytest.raises(KeyError, match="no pair number 4"):
        pemilu.pair(4)


def test_unknown_election_and_bad_argument():
    with pytest.raises(ValueError, match=r"unknown election 'pemilu-2029'.*pemilu-2024"):
        load_election("pemilu-2029")
    with pytest.raises(FileNotFoundError, match=r"nope\.yaml"):
        load_election("nope.yaml")
    with pytest.raises(TypeError, match="int"):
        load_election(2024)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("election", "day", "period"),
    [
        ("pemilu-2024", "2023-10-18", "before_registration"),
        ("pemilu-2024", "2023-10-19", "registration_to_determination"),
        ("pemilu-2024", "2023-11-12", "registration_to_determination"),
        ("pemilu-2024", "2023-11-13", "after_determination"),
        ("pemilu-2024", "2023-11-27", "after_determination"),
        ("pemilu-2024", "2023-11-28", "campaign"),
        ("pemilu-2024", "2024-02-10", "campaign"),
        ("pemilu-2024", "2024-02-11", "quiet_period"),
        ("pemilu-2024", "2024-02-13", "quiet_period"),
        ("pemilu-2024", "2024-02-14", "voting_day"),
        ("pemilu-2024", "2024-02-15", "after_voting"),
        ("pilpres-2019", "2018-08-03", "before_registration"),
        ("pilpres-2019", "2018-09-19", "registration_to_determination"),
        ("pilpres-2019", "2018-09-20", "after_determination"),
        ("pilpres-2019", "2018-09-23", "campaign"),
        ("pilpres-2019", "2019-04-13", "campaign"),
        ("pilpres-2019", "2019-04-14", "quiet_period"),
        ("pilpres-2019", "2019-04-17", "voting_day"),
        ("pilpres-2019", "2019-04-18", "after_voting"),
        ("pilkada-2024-template", "2024-11-27", "voting_day"),
    ],
)
def test_period_of_around_the_calendar_boundaries(election, day, period):
    cfg = load_election(election)
    date = dt.date.fromisoformat(day)
    assert cfg.period_of(date) == period
    assert cfg.period_of(dt.datetime.combine(date, dt.time(23, 59))) == period
    assert period in PERIODS


# --- masking ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Prabowo", "[CALON]"),
        ("Pak Prabowo", "[CALON]"),
        ("Bowo", "[CALON]"),
        ("PS", "[CALON]"),
        ("Gibran", "[WAKIL]"),
        ("Mas Wapres", "[WAKIL]"),
        ("Anies", "[CALON]"),
        ("Abah", "[CALON]"),
        ("Cak Imin", "[WAKIL]"),
        ("Ganjar", "[CALON]"),
        ("GP", "[CALON]"),
        ("Mahfud", "[WAKIL]"),
        ("AMIN", "[PASLON]"),
        ("Prabowo-Gibran", "[PASLON]"),
        ("Gerindra", "[PARTAI]"),
        ("PDI-P", "[PARTAI]"),
        ("PKS", "[PARTAI]"),
        ("Partai Buruh", "[PARTAI]"),
        ("01", "[NOMOR_PASLON]"),
        ("02", "[NOMOR_PASLON]"),
        ("no urut 3", "no urut [NOMOR_PASLON]"),
        ("coblos 03", "coblos [NOMOR_PASLON]"),
        ("@prabowo", "[PASLON]"),
        ("@TKNPrabowoGibran", "[PASLON]"),
        ("#AMINUntukKemakmuranDesa", "[PASLON] untuk kemakmuran desa"),
    ],
)
def test_pemilu_2024_contestants_are_masked(pemilu2024, text, expected):
    assert pemilu2024(f"dukung {text} sekarang") == f"dukung {expected} sekarang"


@pytest.mark.parametrize(
    "text", ["aamiin ya Allah", "amin", "Amin ya rabbal alamin", "ps 5", "gp", "jam 02.00", "2 orang", "Jokowi", "@budi"]
)
def test_pemilu_2024_leaves_what_is_not_a_contestant(pemilu2024, text):
    assert "[" not in pemilu2024(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jokowi", "[CALON]"),
        ("Pakde Jokowi", "[CALON]"),
        ("Ma'ruf Amin", "[WAKIL]"),
        ("Kyai Maruf", "[WAKIL]"),
        ("Prabowo", "[CALON]"),
        ("Sandi", "[WAKIL]"),
        ("Prabowo-Sandi", "[PASLON]"),
        ("@jokowi", "[PASLON]"),
        ("@sandiuno", "[PASLON]"),
        ("01", "[NOMOR_PASLON]"),
        ("nomor urut 02", "nomor urut [NOMOR_PASLON]"),
    ],
)
def test_pilpres_2019_contestants_are_masked(pilpres2019, text, expected):
    assert pilpres2019(f"dukung {text} sekarang") == f"dukung {expected} sekarang"


@pytest.mark.parametrize("text", ["Gibran", "Anies", "AMIN", "Ganjar", "no urut 3", "aamiin"])
def test_pilpres_2019_leaves_the_2024_contestants(pilpres2019, text):
    assert "[" not in pilpres2019(text)


def test_masking_works_in_the_linear_preset_and_survives_stemming():
    n = Normalizer("linear", stem=True, election="pemilu-2024")
    assert (
        n("Pendukung Prabowo-Gibran, no urut 2, memilih AMIN? Aamiin") == "pendukung [PASLON] no urut [NOMOR_PASLON] pilih [PASLON] ? amin"
    )


def test_contestants_gives_the_pairs_mentioned(pemilu2024, pilpres2019):
    assert pemilu2024.contestants("Pak Prabowo dan Mas Gibran") == ["02"]
    assert pemilu2024.contestants("AMIN menang, aamiin") == ["01"]
    assert pemilu2024.contestants("@TKNPrabowoGibran @cakimiNOW @budi") == ["01", "02"]
    assert pemilu2024.contestants("#prabowogibran #AMINAjaDulu #GanjarMahfud2024") == ["01", "02", "03"]
    assert pemilu2024.contestants("coblos 03") == ["03"]
    assert pemilu2024.contestants("amin, makan siang") == []
    assert pilpres2019.contestants("#2019GantiPresiden") == ["02"]
    assert pilpres2019.contestants("Jokowi dan Ma'ruf Amin @sandiuno") == ["01", "02"]
    with pytest.raises(ValueError, match="election="):
        Normalizer("transformer").contestants("Prabowo")


def test_no_name_of_a_contestant_is_left_in_real_pilpres_tweets():
    path = SHARED_DATA / "pilpres2019_tweets" / "dataset_tweet.csv"
    if not path.is_file():
        pytest.skip(f"shared data not found: {path}")
    with open(path, encoding="utf-8", newline="") as fh:
        tweets = [row["tweet"] for row in csv.DictReader(fh)]
    n = Normalizer("transformer", election="pilpres-2019")
    named = [t for t in tweets if re.search(r"jokowi|prabowo", t, re.IGNORECASE)]
    assert len(named) > 500
    for tweet in named:
        out = n(tweet)
        # "...harganya@prabowo" is no mention (as on Twitter), so its name may stay
        assert not re.search(r"(?<![\w@])(jokowi|prabowo)(?!\w)", out), out
        if re.search(r"(?<![\w@])(jokowi|prabowo)", tweet, re.IGNORECASE):
            assert n.contestants(tweet), tweet


def test_odd_letters_that_match_an_alias_do_not_crash(pemilu2024):
    # re.IGNORECASE matches "İ" and "ı" for "i", and "ſ" for "s"
    assert pemilu2024("PSİ dan Gıbran") == "[PARTAI] dan [WAKIL]"
    assert pemilu2024.contestants("Gıbran") == ["02"]


# --- a user's config file --------------------------------------------------------------------------

VALID = """
id: pilkada-kota-contoh
name: Pemilihan Wali Kota Contoh 2024
kind: pilkada
level: city
region: Kota Contoh
calendar:
  candidate_registration: {start: 2024-08-27, end: 2024-08-29}
  candidate_determination: 2024-09-22
  campaign: {start: 2024-09-25, end: 2024-11-23}
  quiet_period: {start: 2024-11-24, end: 2024-11-26}
  voting_day: 2024-11-27
pairs:
  - number: 1
    name: Siti Rahma - Joko Susilo
    aliases: [Rahma-Joko, RaJo]
    case_sensitive_aliases: [SR JS]
    hashtags: ["#RahmaJokoMenang"]
    candidates:
      - {role: calon, name: Siti Rahma, aliases: [Bu Rahma, Rahma]}
      - {role: wakil, name: Joko Susilo, aliases: [Pak Joko], case_sensitive_aliases: [JS]}
    parties: [Partai Contoh]
    campaign_accounts: ["@rahmajoko"]
  - number: 2
    name: Bambang Wijaya - Dewi Lestari
    candidates:
      - {role: calon, name: Bambang Wijaya}
      - {role: wakil, name: Dewi Lestari}
parties:
  - {number: 1, name: Partai Contoh, aliases: [PC]}
"""


def _write(tmp_path: Path, text: str, name: str = "election.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_users_yaml_config_loads_and_masks(tmp_path):
    path = _write(tmp_path, VALID)
    cfg = load_election(path)
    assert cfg.id == "pilkada-kota-contoh" and cfg.level == "city"
    assert cfg.period_of(dt.date(2024, 11, 25)) == "quiet_period"
    assert cfg.campaign_accounts == {"rahmajoko": 1}
    n = Normalizer("transformer", election=str(path))
    assert (
        n("Bu Rahma dan JS, RaJo no urut 1 bersama Partai Contoh @rahmajoko")
        == "[CALON] dan [WAKIL], [PASLON] no urut [NOMOR_PASLON] bersama [PARTAI] [PASLON]"
    )
    assert n("Bambang Wijaya - Dewi Lestari 02") == "[CALON] - [WAKIL] [NOMOR_PASLON]"
    # a case-sensitive alias of several words, written with "-" or "_" (a KeyError before)
    assert n("SR-JS dan SR_JS, bukan sr js") == "[PASLON] dan [PASLON], bukan sr js"
    assert n.contestants("#RahmaJokoMenang") == ["01"]


def test_a_users_json_config_loads(tmp_path):
    import json

    path = _write(tmp_path, json.dumps(yaml.safe_load(VALID), default=str), "election.json")
    assert load_election(path).pair(2).name == "Bambang Wijaya - Dewi Lestari"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("kind: pilkada", "kind: pilkada\nregoin: typo"), r"unknown field\(s\) \['regoin'\]"),
        (
            ("{role: calon, name: Bambang Wijaya}", "{role: calon, name: Bambang Wijaya, alias: [Bams]}"),
            r"pairs\[1\]\.candidates\[0\]: unknown field",
        ),
        (("voting_day: 2024-11-27", "voting_day: 2024-11-31"), "not valid YAML.*day is out of range"),  # a ValueError before
        (("voting_day: 2024-11-27", "voting_day: soon"), r"calendar\.voting_day: expected a date"),
        (("voting_day: 2024-11-27", "voting_day: 2024-11-20"), "out of order"),
        (("campaign: {start: 2024-09-25, end: 2024-11-23}", "campaign: {start: 2024-11-23, end: 2024-09-25}"), "before start"),
        (("{role: calon, name: Bambang Wijaya}", "{role: bupati, name: Bambang Wijaya}"), "expected 'calon' or 'wakil'"),
        (("  - number: 2", "  - number: 1"), "duplicated ballot numbers"),
        (('hashtags: ["#RahmaJokoMenang"]', "hashtags: [RahmaJokoMenang]"), "must start with '#'"),
        (("id: pilkada-kota-contoh\n", ""), r"missing field\(s\) \['id'\]"),
    ],
)
def test_a_bad_config_names_the_file_and_the_field(tmp_path, change, message):
    old, new = change
    assert old in VALID
    path = _write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(ElectionConfigError, match=message) as err:
        load_election(path)
    assert str(path) in str(err.value)


def test_a_config_with_a_python_tag_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    payload = VALID.replace("kind: pilkada", f'kind: !!python/object/apply:os.system ["touch {marker}"]')
    path = _write(tmp_path, payload)
    with pytest.raises((ElectionConfigError, yaml.YAMLError)) as err:
        load_election(path)
    assert "python/object" in str(err.value)
    assert not marker.exists()
    other = _write(tmp_path, "!!python/object:netral_nlp.elections.ElectionConfig {id: x}\n", "object.yaml")
    with pytest.raises((ElectionConfigError, yaml.YAMLError)):
        load_election(other)
    with pytest.raises((ElectionConfigError, yaml.YAMLError)):
        Normalizer("transformer", election=str(path))
    assert not marker.exists()


def test_a_config_that_is_not_a_mapping_or_not_yaml(tmp_path):
    with pytest.raises(ElectionConfigError, match="expected a mapping"):
        load_election(_write(tmp_path, "- just\n- a list\n", "list.yaml"))
    with pytest.raises(ElectionConfigError, match="not valid YAML"):
        load_election(_write(tmp_path, "id: [unclosed\n", "broken.yaml"))

"""The arithmetic of the account score and bands, and scoring under a user's election config."""

from __future__ import annotations

import pandas as pd
import pytest

from netral_nlp.scoring import combine, load_rules, score
from netral_nlp.scoring.assess import band_for


def test_noisy_or_rises_with_repeated_evidence_and_stays_bounded():
    assert combine([]) == 0.0
    assert combine([0.6]) == pytest.approx(0.6)
    assert combine([0.6, 0.6]) == pytest.approx(0.84)
    assert combine([0.6, 0.6, 0.6]) > combine([0.6, 0.6])
    assert combine([0.2] * 1000) <= 1.0
    assert combine([0.2] * 1000, cap=0.6) == 0.6
    assert combine([1.5, -1]) == 1.0  # strengths are clipped to [0, 1]


def test_band_needs_one_strong_action_for_likely_violation():
    rules = load_rules()
    assert band_for(0.95, 0.9, rules) == "likely_violation"
    assert band_for(0.95, 0.5, rules) == "needs_review"  # many weaker acts: a case to review
    assert band_for(0.3, 0.3, rules) == "needs_review"
    assert band_for(0.29, 0.29, rules) == "no_indication"
    assert band_for(0.0, 0.0, rules) == "no_indication"


def test_likes_and_follows_together_stay_needs_review(run, posts, row_of):
    acts = [
        {
            "account_id": "a",
            "action": "like",
            "timestamp": f"2019-02-{d:02d}T07:00:00+07:00",
            "target_account": "@jokowi",
            "target_text": posts.contestant[d % 3],
        }
        for d in range(1, 11)
    ]
    acts += [
        {"account_id": "a", "action": "follow", "timestamp": posts.during_campaign, "target_account": t} for t in ("@jokowi", "@TKN_Jokowi")
    ]
    acc = row_of(run(acts, [{"account_id": "a", "asn_status": "pns"}]), "a")
    assert acc["score"] >= 0.7  # high, but from passive acts only
    assert acc["band"] == "needs_review"
    assert acc["n_like"] == 10 and acc["n_follow"] == 2


def test_period_weights_and_quiet_period(run, posts, row_of):
    def scored(ts):
        return row_of(
            run(
                [{"account_id": "a", "action": "post", "timestamp": ts, "text": posts.campaign}], [{"account_id": "a", "asn_status": "pns"}]
            ),
            "a",
        )

    quiet, after, early = scored("2019-04-15T10:00:00+07:00"), scored("2019-05-01T10:00:00+07:00"), scored(posts.before_registration)
    assert quiet["band"] == "likely_violation" and quiet["regimes"] == ["discipline"]
    assert after["score"] < quiet["score"]
    assert early["regimes"] == ["ethics"]


def test_text_naming_no_contestant_weighs_less(run, posts, row_of):
    # Real campaign posts: one names Jokowi, the other only Ahok (Pilkada DKI 2017), no Pilpres 2019 contestant.
    ahok = posts.text("372894d2fb5f")  # "Perjuangan kalahkan Ahok baru awal. Kita pindah lengserkan Jokowi."
    other = posts.text("0016c5ec11ca")  # "Dengan menggalang dukungan hanya bagi Ahok seorang diri ..."
    result = run(
        [{"account_id": "a", "action": "post", "timestamp": posts.during_campaign, "text": t, "p_campaign": 0.9} for t in (ahok, other)],
        [{"account_id": "a", "asn_status": "pns"}],
    )
    ev = result.evidence
    assert ev.loc[0, "contestants"] == ["01"] and ev.loc[0, "strength"] == pytest.approx(0.9)
    assert ev.loc[1, "contestants"] == [] and ev.loc[1, "strength"] == pytest.approx(0.9 * 0.8)


def test_a_users_pilkada_config_is_used(tmp_path, model):
    config = tmp_path / "pilkada-kota-contoh.yaml"
    config.write_text(
        """
id: pilkada-kota-contoh-2024
name: Pemilihan Wali Kota Contoh 2024
kind: pilkada
level: city
region: Kota Contoh
timezone: Asia/Makassar
calendar:
  candidate_registration: {start: 2024-08-27, end: 2024-08-29}
  candidate_determination: 2024-09-22
  campaign: {start: 2024-09-25, end: 2024-11-23}
  quiet_period: {start: 2024-11-24, end: 2024-11-26}
  voting_day: 2024-11-27
pairs:
  - number: 1
    name: Andi - Badu
    aliases: [Andi-Badu, AB Hebat]
    hashtags: ["#ABUntukContoh"]
    candidates:
      - {role: calon, name: Andi Wijaya}
      - {role: wakil, name: Badu Santoso}
    campaign_accounts: ["@timpemenangan_ab"]
"""
    )
    act = pd.DataFrame(
        [
            {"account_id": "a", "action": "join", "timestamp": "2024-10-01 20:00", "target_account": "@TimPemenangan_AB"},
            {
                "account_id": "a",
                "action": "post",
                "timestamp": "2024-10-02 20:00",
                "text": "Ayo menangkan AB Hebat! #ABUntukContoh",
                "p_campaign": 0.95,
            },
        ]
    )
    result = score(act, pd.DataFrame([{"account_id": "a", "asn_status": "pppk"}]), model=model, election=config, errors="ignore")
    assert str(result.evidence["timestamp"].dt.tz) == "Asia/Makassar"
    assert result.evidence["contestants"].tolist() == [["01"], ["01"]]
    assert result.evidence["counted"].all()
    assert result.accounts.loc[0, "band"] == "likely_violation"
    assert "Asia/Makassar" in result.issues.iloc[0]["message"]

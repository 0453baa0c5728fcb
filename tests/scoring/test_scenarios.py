"""The scenarios of the scoring issue, built from real posts of the project corpus (Pilpres 2019)."""

from __future__ import annotations

from netral_nlp.scoring import BANDS

PNS = {
    "account_id": "budi_pns",
    "asn_status": "pns",
    "name": "Budi",
    "agency": "Dinas Pendidikan",
    "region": "Kab. Bandung",
    "position": "Guru",
}


def test_asn_posts_campaign_content_during_campaign(run, posts, row_of):
    result = run([{"account_id": "budi_pns", "action": "post", "timestamp": posts.during_campaign, "text": posts.campaign}], [PNS])

    acc = row_of(result, "budi_pns")
    assert acc["band"] == "likely_violation"
    assert acc["provisions"] == ["SKB 2/2022", "PP 94/2021 Pasal 5 huruf n"]
    ev = result.evidence.iloc[0]
    assert (ev["period"], ev["regime"], ev["basis"]) == ("campaign", "discipline", "own_text")
    assert ev["contestants"] == ["01"]  # "Jokowi", "#2019TetapJokowi"
    assert ev["p_campaign"] == 0.93
    assert ev["strength"] >= 0.9
    assert acc["top_evidence"] == [0]
    assert "budi_pns" in result.to_markdown() and "PP 94/2021 Pasal 5 huruf n" in result.to_markdown()


def test_same_post_before_determination_is_an_ethics_matter_of_a_bakal_calon(run, posts, row_of):
    result = run([{"account_id": "budi_pns", "action": "post", "timestamp": posts.before_determination, "text": posts.campaign}], [PNS])

    acc = row_of(result, "budi_pns")
    assert acc["band"] != "no_indication"
    assert acc["regimes"] == ["ethics"]
    assert "PP 42/2004 (kode etik PNS)" in acc["provisions"]
    assert "PP 94/2021 Pasal 5 huruf n" not in acc["provisions"]
    assert "bakal calon" in acc["note"]
    ev = result.evidence.iloc[0]
    assert ev["period"] == "registration_to_determination"
    assert "bakal calon" in ev["explanation"]
    report = result.to_markdown()
    assert "bakal calon" in report and "sanksi moral" in report
    # Weighed a little less than the same post in the campaign period.
    during = run([{"account_id": "budi_pns", "action": "post", "timestamp": posts.during_campaign, "text": posts.campaign}], [PNS])
    assert row_of(during, "budi_pns")["score"] > acc["score"]


def test_share_of_neutral_news_about_asn_neutrality_is_no_indication(run, posts, row_of):
    result = run(
        [
            {
                "account_id": "budi_pns",
                "action": "share",
                "timestamp": posts.during_campaign,
                "target_account": "@detikcom",
                "target_text": posts.neutral_asn_news,
            }
        ],
        [PNS],
    )

    acc = row_of(result, "budi_pns")
    assert acc["band"] == "no_indication"
    assert acc["score"] == 0.0
    ev = result.evidence.iloc[0]
    assert ev["status"] == "ok" and not ev["counted"]
    assert ev["p_campaign_target_text"] == 0.05
    assert ev["provisions"] == []
    assert acc["n_share"] == 1 and acc["n_evidence"] == 0


def test_likes_of_a_contestants_official_account_need_review(run, posts, row_of):
    likes = [
        {
            "account_id": "budi_pns",
            "action": "like",
            "timestamp": f"2019-02-0{i + 1}T07:00:00+07:00",
            "target_account": "@jokowi",
            "target_text": text,
        }
        for i, text in enumerate(posts.contestant)
    ]
    result = run(likes, [PNS])

    acc = row_of(result, "budi_pns")
    assert acc["band"] in ("needs_review", "likely_violation")
    assert acc["n_like"] == 3 and acc["n_evidence"] == 3
    assert acc["contestants"] == ["01"]
    assert result.evidence["target_is_campaign_account"].all()


def test_many_weak_likes_do_not_explode(run, posts, row_of):
    likes = [
        {
            "account_id": "budi_pns",
            "action": "like",
            "timestamp": f"2019-02-{d:02d}T07:00:00+07:00",
            "target_account": "@jokowi",
            "target_text": posts.contestant[d % 3],
        }
        for d in range(1, 29)
    ]
    result = run(likes, [PNS])

    acc = row_of(result, "budi_pns")
    assert acc["score"] <= result.rules.actions["like"].cap
    assert acc["band"] == "needs_review"


def test_one_like_of_one_ambiguous_post_is_not_a_likely_violation(run, posts, row_of):
    for text in (posts.ambiguous, posts.campaign_low):
        result = run(
            [
                {
                    "account_id": "budi_pns",
                    "action": "like",
                    "timestamp": posts.during_campaign,
                    "target_account": "@detikcom",
                    "target_text": text,
                }
            ],
            [PNS],
        )
        assert row_of(result, "budi_pns")["band"] != "likely_violation"


def test_follow_of_a_campaign_team_account_is_evidence_without_text(run, posts, row_of, model):
    result = run(
        [{"account_id": "budi_pns", "action": "follow", "timestamp": posts.during_campaign, "target_account": "@TKN_Jokowi"}], [PNS]
    )

    ev = result.evidence.iloc[0]
    assert ev["text"] == "" and ev["target_text"] == ""
    assert ev["counted"] and ev["basis"] == "target_account"
    assert ev["contestants"] == ["01"]
    assert "SKB 2/2022" in ev["provisions"]
    assert row_of(result, "budi_pns")["band"] == "needs_review"
    assert model.calls == []  # no text: the model is not needed

    other = run([{"account_id": "budi_pns", "action": "follow", "timestamp": posts.during_campaign, "target_account": "@kompascom"}], [PNS])
    assert not other.evidence.iloc[0]["counted"]
    assert row_of(other, "budi_pns")["band"] == "no_indication"


def test_non_asn_posting_the_same_content_is_not_banded_but_evidence_is_listed(run, posts, row_of):
    result = run(
        [{"account_id": "sari_swasta", "action": "post", "timestamp": posts.during_campaign, "text": posts.campaign}],
        [{"account_id": "sari_swasta", "asn_status": "non_asn"}],
    )

    acc = row_of(result, "sari_swasta")
    assert acc["band"] == "no_indication"
    assert acc["evidence_band"] == "likely_violation"
    assert acc["provisions"] == []
    assert "not ASN" in acc["note"]
    assert len(result.evidence) == 1 and result.evidence.iloc[0]["counted"]
    assert result.flagged().empty
    assert "sari_swasta" in result.to_markdown()  # listed under "not banded because of the ASN status"


def test_unknown_status_is_reported_as_unknown(run, posts, row_of):
    result = run(
        [
            {"account_id": "anon", "action": "post", "timestamp": posts.during_campaign, "text": posts.campaign},
            {"account_id": "not_listed", "action": "post", "timestamp": posts.during_campaign, "text": posts.campaign},
        ],
        [{"account_id": "anon", "asn_status": "unknown"}],
    )

    for account in ("anon", "not_listed"):
        acc = row_of(result, account)
        assert acc["asn_status"] == "unknown"
        assert acc["band"] == "needs_review"  # at most: a person must check the status first
        assert acc["evidence_band"] == "likely_violation"
        assert "status unknown" in acc["note"]
    assert not row_of(result, "not_listed")["in_accounts_table"]
    assert "E315" in set(result.issues["code"])


def test_accounts_are_ranked_by_score_with_every_account_listed(run, posts):
    result = run(
        [
            {"account_id": "budi_pns", "action": "post", "timestamp": posts.during_campaign, "text": posts.campaign},
            {"account_id": "ani_pppk", "action": "follow", "timestamp": posts.during_campaign, "target_account": "@sandiuno"},
            {"account_id": "citra_pns", "action": "post", "timestamp": posts.during_campaign, "text": posts.non_political},
        ],
        [
            PNS,
            {"account_id": "ani_pppk", "asn_status": "pppk"},
            {"account_id": "citra_pns", "asn_status": "pns"},
            {"account_id": "dedi_pns", "asn_status": "pns"},
        ],
    )

    assert result.accounts["account_id"].tolist() == ["budi_pns", "ani_pppk", "citra_pns", "dedi_pns"]
    assert result.accounts["score"].is_monotonic_decreasing
    assert result.accounts["band"].tolist() == ["likely_violation", "needs_review", "no_indication", "no_indication"]
    assert set(result.accounts["band"]) <= set(BANDS)
    assert result.accounts.loc[result.accounts["account_id"] == "ani_pppk", "contestants"].iloc[0] == ["02"]
    assert result.accounts.loc[3, "n_actions"] == 0


def test_repeated_strong_evidence_raises_the_score(run, posts, row_of):
    once = run(
        [{"account_id": "budi_pns", "action": "share", "timestamp": posts.during_campaign, "target_text": posts.campaign_low}], [PNS]
    )
    twice = run(
        [
            {"account_id": "budi_pns", "action": "share", "timestamp": posts.during_campaign, "target_text": posts.campaign_low},
            {
                "account_id": "budi_pns",
                "action": "comment",
                "timestamp": posts.during_campaign,
                "text": posts.campaign_low,
                "target_account": "@jokowi",
            },
        ],
        [PNS],
    )
    assert 0 < row_of(once, "budi_pns")["score"] < row_of(twice, "budi_pns")["score"] <= 1

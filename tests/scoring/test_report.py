"""Outputs: Markdown and HTML reports, JSON, JSONL and Parquet tables."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from netral_nlp.errors import InputError


@pytest.fixture
def result(run, posts):
    return run(
        [
            {
                "account_id": "budi_pns",
                "action": "post",
                "timestamp": posts.during_campaign,
                "text": posts.campaign,
                "url": "https://x.com/budi/status/1",
            },
            {
                "account_id": "budi_pns",
                "action": "like",
                "timestamp": "2019-02-01T07:00:00+07:00",
                "target_account": "@jokowi",
                "target_text": posts.contestant[0],
            },
            {"account_id": "eka_pns", "action": "post", "timestamp": posts.before_determination, "text": posts.campaign},
            {"account_id": "ani_pppk", "action": "follow", "timestamp": posts.during_campaign, "target_account": "@BPNPrabowoSandi"},
            {"account_id": "sari", "action": "post", "timestamp": posts.during_campaign, "text": posts.campaign},
            {
                "account_id": "citra_pns",
                "action": "share",
                "timestamp": posts.during_campaign,
                "target_text": "<script>alert(1)</script> | Jokowi",
                "target_p_campaign": 0.9,
            },
            {"account_id": "citra_pns", "action": "dance", "timestamp": posts.during_campaign},
            {"account_id": "budi_pns", "action": "post", "timestamp": posts.during_campaign, "text": posts.non_political},
            {"account_id": "sari", "action": "like", "timestamp": posts.during_campaign, "target_text": posts.contestant[1]},
        ],
        [
            {
                "account_id": "budi_pns",
                "asn_status": "pns",
                "name": "Budi",
                "agency": "Dinas Pendidikan",
                "region": "Kab. Bandung",
                "position": "Guru",
            },
            {"account_id": "eka_pns", "asn_status": "pns"},
            {"account_id": "ani_pppk", "asn_status": "pppk"},
            {"account_id": "sari", "asn_status": "non_asn"},
            {"account_id": "citra_pns", "asn_status": "pns"},
        ],
    )


def test_markdown_has_one_section_per_flagged_account_with_its_evidence(result, posts):
    md = result.to_markdown()
    flagged = result.flagged()
    assert flagged["account_id"].tolist() == ["budi_pns", "eka_pns", "citra_pns", "ani_pppk"]
    sections = [line for line in md.splitlines() if line.startswith("### ") and line[4].isdigit()]
    assert sections == [
        "### 1. budi_pns: Budi, Guru, Dinas Pendidikan, Kab. Bandung",
        "### 2. eka_pns",
        "### 3. citra_pns",
        "### 4. ani_pppk",
    ]
    budi = md.split("### 1. budi_pns")[1].split("### 2.")[0]
    assert "https://x.com/budi/status/1" in budi and "@jokowi (campaign-team/contestant account)" in budi
    assert "SKB 2/2022; PP 94/2021 Pasal 5 huruf n" in budi
    # every action of a flagged account, the post below p = 0.5 too, counted with plural words
    assert f"“{posts.non_political[:40]}" in budi and "Actions: 2 posts, 1 like; 2 with evidence" in budi
    eka = md.split("### 2. eka_pns")[1].split("### 3.")[0]
    assert "bakal calon" in eka and "PP 42/2004" in eka
    ani = md.split("### 4. ani_pppk")[1]
    assert "@BPNPrabowoSandi" in ani and "Prabowo Subianto - Sandiaga Uno" in ani
    # Non-ASN evidence is shown apart, with the evidence itself; issues are listed; a pipe in a
    # text does not break the table.
    assert "Evidence not banded because of the ASN status (1)" in md and "| sari | non_asn |" in md
    sari = md.split("### sari (non_asn): listed for context, not banded")[1].split("## ")[0]
    assert f"“{posts.campaign[:40]}" in sari and f"target: “{posts.contestant[1][:40]}" in sari
    assert "E311" in md
    assert "“<script>alert(1)</script> \\| Jokowi”" in md
    assert "Triage, not a verdict" in md


def test_html_report_escapes_texts(result, tmp_path):
    page = result.to_html(tmp_path / "report.html")
    assert page.startswith("<!DOCTYPE html>") and (tmp_path / "report.html").read_text() == page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; | Jokowi" in page
    assert "bakal calon" in page and "<h3>1. budi_pns" in page


def test_to_json_round_trips_with_times_in_local_offset(result, tmp_path):
    text = result.to_json(tmp_path / "result.json")
    data = json.loads(text)
    assert json.loads((tmp_path / "result.json").read_text()) == data
    assert set(data) == {"meta", "counts", "accounts", "evidence", "issues"}
    assert len(data["evidence"]) == 9 and len(data["accounts"]) == 5
    assert data["evidence"][0]["timestamp"] == "2019-01-15T20:30:00+07:00"
    assert data["evidence"][0]["provisions"] == ["SKB 2/2022", "PP 94/2021 Pasal 5 huruf n"]
    assert data["evidence"][6]["status"] == "invalid" and data["evidence"][6]["p_campaign"] is None  # NaN -> null
    assert data["accounts"][0]["account_id"] == "budi_pns"
    assert data["counts"]["activity_rows"] == 9 and data["meta"]["election"] == "pilpres-2019"


def test_save_writes_tables_and_reports_and_refuses_to_overwrite(result, tmp_path):
    paths = result.save(tmp_path / "out")
    assert sorted(p.name for p in paths.values()) == [
        "accounts.jsonl",
        "evidence.jsonl",
        "issues.jsonl",
        "report.html",
        "report.md",
        "summary.json",
    ]
    evidence = [json.loads(line) for line in (tmp_path / "out" / "evidence.jsonl").read_text().splitlines()]
    assert len(evidence) == 9
    assert not list((tmp_path / "out").glob("*.partial"))
    with pytest.raises(InputError, match=r"\[E340\].*force"):
        result.save(tmp_path / "out")
    result.save(tmp_path / "out", force=True)


def test_parquet_tables_read_back(result, tmp_path):
    paths = result.to_parquet(tmp_path)
    accounts = pd.read_parquet(paths["accounts"])
    evidence = pd.read_parquet(paths["evidence"])
    assert accounts["account_id"].tolist() == result.accounts["account_id"].tolist()
    assert list(evidence["provisions"][0]) == ["SKB 2/2022", "PP 94/2021 Pasal 5 huruf n"]
    assert str(evidence["timestamp"].dt.tz) == "Asia/Jakarta"
    assert len(pd.read_parquet(paths["issues"])) == len(result.issues)


def test_evidence_for_ranks_an_accounts_evidence(result):
    ev = result.evidence_for("budi_pns")
    assert ev["action"].tolist() == ["post", "like", "post"]
    assert ev["strength"].is_monotonic_decreasing
    assert result.evidence_for("nobody").empty
    assert "likely_violation=3" in repr(result)

"""Absurd timestamps in the activity table (placeholders of broken exports: 0001-01-01,
9999-12-31, epoch 0, numbers past any calendar) are error rows, never scored evidence."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from netral_nlp.scoring import score
from netral_nlp.scoring.schema import read_activity

CAMPAIGN_TEXT = "Ayo menangkan Jokowi dua periode! coblos 01 #2019TetapJokowi"


class AlwaysCampaign:
    """A classifier that calls every text campaign: any row that is scored flags its account."""

    labels = ("campaign", "political_neutral", "non_political")

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return np.tile([0.95, 0.04, 0.01], (len(texts), 1))


@pytest.mark.parametrize(
    "timestamp",
    ["0001-01-01", "9999-12-31", "9999-12-31T23:59:59+07:00", "1970-01-01T00:00:00Z", "1999-12-31 23:00", 0, 1e20, "99999999999999"],
    ids=["year-1", "year-9999", "year-9999-tz", "epoch-0", "1999", "int-0", "float-1e20", "14-digits"],
)
def test_absurd_timestamp_is_an_error_row_and_flags_no_one(timestamp):
    activity = pd.DataFrame([{"account_id": "budi", "action": "post", "timestamp": timestamp, "text": CAMPAIGN_TEXT}])
    accounts = pd.DataFrame([{"account_id": "budi", "asn_status": "pns"}])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = score(activity, accounts, model=AlwaysCampaign(), election="pilpres-2019")
    assert result.evidence.loc[0, "status"] == "invalid"
    assert result.accounts.loc[0, "band"] == "no_indication"
    codes = set(result.issues["code"])
    assert codes & {"E312", "E317"}, codes


def test_the_range_error_says_why():
    act, issues = read_activity(
        pd.DataFrame(
            {"account_id": ["a", "a", "a"], "action": ["post"] * 3, "timestamp": ["0001-01-01", "9999-12-31", "2019-03-01T10:00:00+07:00"]}
        )
    )
    assert act["valid"].tolist() == [False, False, True]
    by_row = {i.row: i for i in issues if i.code == "E317"}
    assert "before 2000-01-01" in by_row[1].message and "in the future" in by_row[2].message
    assert pd.isna(act.loc[0, "timestamp"]) and str(act.loc[2, "timestamp"]) == "2019-03-01 10:00:00+07:00"


def test_the_reported_case_no_longer_flags_a_pns(cli, tmp_path):
    # A PNS got likely_violation from two posts timed 0001-01-01 and 9999-12-31.
    (tmp_path / "activity.csv").write_text(
        f"account_id,action,timestamp,text\nbudi,post,0001-01-01,{CAMPAIGN_TEXT}\nbudi,post,9999-12-31,{CAMPAIGN_TEXT}\n",
        encoding="utf-8",
    )
    (tmp_path / "accounts.csv").write_text("account_id,asn_status\nbudi,pns\n", encoding="utf-8")
    result = cli("score", "--activity", "activity.csv", "--accounts", "accounts.csv", "--election", "pilpres-2019", "-o", "out")
    assert result.code == 0, result.err
    assert "0 likely_violation, 0 needs_review" in result.err
    issues = (tmp_path / "out" / "issues.jsonl").read_text(encoding="utf-8")
    assert issues.count('"E317"') == 2

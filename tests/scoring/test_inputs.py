"""Bad and varied input: clear errors or per-row issues, nothing silently dropped."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from netral_nlp.errors import InputError
from netral_nlp.scoring import ScoringWarning, read_accounts, read_activity, score

ACCOUNTS = [{"account_id": "budi_pns", "asn_status": "pns"}, {"account_id": "sari", "asn_status": "non_asn"}]


@pytest.fixture
def activity(posts) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"account_id": "budi_pns", "action": "post", "timestamp": posts.during_campaign, "text": posts.campaign},
            {
                "account_id": "budi_pns",
                "action": "like",
                "timestamp": "2019-02-01 07:00",
                "target_account": "@jokowi",
                "target_text": posts.contestant[0],
            },
            {"account_id": "sari", "action": "share", "timestamp": "1548979200", "target_text": posts.neutral_asn_news},
            {
                "account_id": "budi_pns",
                "action": "follow",
                "timestamp": "Wed Jan 16 01:00:00 +0000 2019",
                "target_account": "https://twitter.com/TKN_Jokowi",
            },
        ]
    )


def _write(df: pd.DataFrame, path) -> None:
    if path.suffix == ".csv":
        df.to_csv(path, index=False)
    elif path.suffix == ".jsonl":
        path.write_text(
            "".join(json.dumps({k: v for k, v in r.items() if not pd.isna(v)}, ensure_ascii=False) + "\n" for r in df.to_dict("records"))
        )
    else:
        df.to_parquet(path, index=False)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_files_in_each_format_give_the_same_result(tmp_path, activity, model, suffix):
    act_path, acc_path = tmp_path / f"activity{suffix}", tmp_path / f"accounts{suffix}"
    _write(activity, act_path)
    _write(pd.DataFrame(ACCOUNTS), acc_path)

    from_files = score(act_path, acc_path, model=model, election="pilpres-2019")
    from_frames = score(activity, pd.DataFrame(ACCOUNTS), model=model, election="pilpres-2019", errors="ignore")

    cols = ["account_id", "band", "score", "n_post", "n_like", "n_share", "n_follow"]
    pd.testing.assert_frame_equal(from_files.accounts[cols], from_frames.accounts[cols])
    assert from_files.evidence["strength"].tolist() == from_frames.evidence["strength"].tolist()
    assert (from_files.evidence["status"] == "ok").all()
    # file:line for the line formats (the header is line 1 of a CSV), the row of a Parquet file
    expected = {".csv": f"{act_path}:2", ".jsonl": f"{act_path}:1", ".parquet": f"{act_path} row 1"}[suffix]
    assert from_files.evidence.loc[0, "location"] == expected


def test_timestamps_are_read_in_the_election_timezone(activity, model):
    result = score(activity, pd.DataFrame(ACCOUNTS), model=model, election="pilpres-2019", errors="ignore")
    ts = result.evidence["timestamp"]
    assert str(ts.dt.tz) == "Asia/Jakarta"
    assert str(ts[1]) == "2019-02-01 07:00:00+07:00"  # naive: taken as WIB
    assert str(ts[2]) == "2019-02-01 07:00:00+07:00"  # Unix epoch seconds (UTC)
    assert str(ts[3]) == "2019-01-16 08:00:00+07:00"  # Twitter's format, UTC
    assert result.evidence["timestamp_tz_assumed"].tolist() == [False, True, False, False]
    note = result.issues[result.issues["code"] == "E313"]
    assert len(note) == 1 and "WIB" in note.iloc[0]["message"] and "rows 2" in note.iloc[0]["message"]
    # The follow target given as a profile URL is recognised as the campaign-team account.
    assert result.evidence.loc[3, "target_is_campaign_account"]


def test_period_is_decided_in_local_time(model):
    # 22 Sep 2018 18:00 UTC is 23 Sep 01:00 WIB: the first day of the Pilpres 2019 campaign.
    act = pd.DataFrame([{"account_id": "a", "action": "follow", "timestamp": "2018-09-22T18:00:00Z", "target_account": "@jokowi"}])
    result = score(act, pd.DataFrame([{"account_id": "a", "asn_status": "pns"}]), model=model, election="pilpres-2019")
    assert result.evidence.loc[0, "period"] == "campaign"


def test_missing_column_is_an_error_naming_file_and_column(tmp_path, activity):
    path = tmp_path / "activity.csv"
    activity.drop(columns=["timestamp"]).to_csv(path, index=False)
    with pytest.raises(InputError, match=r"\[E302\].*activity\.csv.*'timestamp'"):
        score(path, pd.DataFrame(ACCOUNTS), election="pilpres-2019")

    acc_path = tmp_path / "accounts.csv"
    pd.DataFrame({"account_id": ["budi_pns"]}).to_csv(acc_path, index=False)
    with pytest.raises(InputError, match=r"\[E302\].*accounts\.csv.*'asn_status'"):
        read_accounts(acc_path)


def test_bad_rows_are_reported_per_row_and_counted(tmp_path, activity, model):
    bad = pd.concat(
        [
            activity,
            pd.DataFrame(
                [
                    {"account_id": "budi_pns", "action": "dance", "timestamp": "2019-01-01T10:00:00+07:00", "text": "joget"},
                    {"account_id": "budi_pns", "action": "post", "timestamp": "kemarin sore", "text": "halo"},
                    {"account_id": "", "action": "like", "timestamp": "2019-01-01T10:00:00+07:00", "target_account": "@jokowi"},
                    {"account_id": "ghost", "action": "like", "timestamp": "2019-01-01T10:00:00+07:00", "target_account": "@jokowi"},
                ]
            ),
        ],
        ignore_index=True,
    )
    path = tmp_path / "activity.csv"
    bad.to_csv(path, index=False)

    with pytest.warns(ScoringWarning, match="3 row"):
        result = score(path, pd.DataFrame(ACCOUNTS), model=model, election="pilpres-2019")

    issues = result.issues.set_index("code")
    assert issues.loc["E311", "row"] == 5 and issues.loc["E311", "location"] == f"{path}:6" and issues.loc["E311", "field"] == "action"
    assert "dance" in issues.loc["E311", "message"]
    assert issues.loc["E312", "row"] == 6 and "kemarin sore" in issues.loc["E312", "message"]
    assert issues.loc["E310", "row"] == 7
    assert issues.loc["E315", "account_id"] == "ghost"

    # Counts in = counts accounted for: every input row is one evidence row, scored or invalid.
    ev = result.evidence
    assert len(ev) == len(bad)
    assert ev["status"].tolist() == ["ok"] * 4 + ["invalid", "invalid", "invalid", "ok"]
    c = result.counts
    assert c["activity_rows"] == c["scored_rows"] + c["invalid_rows"] == len(bad)
    assert result.accounts["n_actions"].sum() + c["unattributed_rows"] == len(bad)
    assert c["unattributed_rows"] == 1
    ghost = result.accounts[result.accounts["account_id"] == "ghost"].iloc[0]
    assert ghost["asn_status"] == "unknown" and not ghost["in_accounts_table"]
    assert result.accounts[result.accounts["account_id"] == "budi_pns"].iloc[0]["n_invalid"] == 2


def test_errors_raise_stops_at_the_first_bad_row(activity, model):
    bad = pd.concat([activity, pd.DataFrame([{"account_id": "budi_pns", "action": "dance", "timestamp": "2019-01-01"}])], ignore_index=True)
    with pytest.raises(InputError, match=r"\[E311\] activity row 5, field 'action': unknown action 'dance'"):
        score(bad, pd.DataFrame(ACCOUNTS), model=model, election="pilpres-2019", errors="raise")


def test_accounts_statuses_are_normalised_and_problems_reported():
    acc, issues = read_accounts(
        pd.DataFrame(
            {
                "Account_ID": ["a", "b", "c", "d", "a", ""],
                "ASN_Status": ["PNS", "Non-ASN", "honorer", None, "pppk", "pns"],
            }
        )
    )
    assert acc["asn_status"].tolist() == ["pns", "non_asn", "unknown", "unknown"]
    assert [(i.code, i.row) for i in issues] == [("E320", 3), ("E321", 5), ("E310", 6)]


def test_given_probabilities_are_used_instead_of_the_model(posts, model):
    act = pd.DataFrame(
        [
            {"account_id": "a", "action": "post", "timestamp": posts.during_campaign, "text": posts.campaign, "p_campaign": 0.9},
            {
                "account_id": "a",
                "action": "like",
                "timestamp": posts.during_campaign,
                "target_text": posts.ambiguous,
                "target_p_campaign": "0.2",
            },
        ]
    )
    accounts = pd.DataFrame([{"account_id": "a", "asn_status": "pns"}])
    result = score(act, accounts, model=None, election="pilpres-2019")  # no model needed, none loaded
    assert result.evidence["p_campaign"].tolist() == [0.9, 0.2]
    assert result.meta["model"].startswith("not needed")

    # Given for some rows only: the others go to the model.
    act.loc[2] = {"account_id": "a", "action": "post", "timestamp": posts.during_campaign, "text": posts.campaign_low}
    result = score(act, accounts, model=model, election="pilpres-2019")
    assert model.calls == [[posts.campaign_low]]
    assert result.evidence["p_campaign"].tolist() == [0.9, 0.2, 0.62]
    model.calls.clear()
    act = act.iloc[:2].copy()

    act.loc[1, "target_p_campaign"] = "tinggi"
    result = score(act, accounts, model=model, election="pilpres-2019", errors="ignore")
    assert model.calls == [[posts.ambiguous]]  # only the text without a usable probability
    assert result.issues["code"].tolist() == ["E316"]


def test_model_without_campaign_label_is_rejected(posts):
    class Wrong:
        labels = ("positive", "negative")

        def predict_proba(self, texts):
            return [[0.5, 0.5] for _ in texts]

    act = pd.DataFrame([{"account_id": "a", "action": "post", "timestamp": posts.during_campaign, "text": posts.campaign}])
    with pytest.raises(InputError, match=r"\[E331\].*'campaign'"):
        score(act, pd.DataFrame([{"account_id": "a", "asn_status": "pns"}]), model=Wrong(), election="pilpres-2019")


def test_unreadable_inputs(tmp_path):
    with pytest.raises(InputError, match=r"\[E301\].*no such file"):
        read_activity(tmp_path / "missing.csv")
    (tmp_path / "activity.xlsx").write_text("x")
    with pytest.raises(InputError, match=r"\[E301\].*activity\.xlsx: cannot tell the format from the name"):
        read_activity(tmp_path / "activity.xlsx")
    (tmp_path / "activity.jsonl").write_text('{"account_id": "a"}\nnot json\n')
    with pytest.raises(InputError, match=r"\[E303\].*activity\.jsonl:2"):
        read_activity(tmp_path / "activity.jsonl")
    with pytest.raises(TypeError):
        read_activity(["not", "a", "table"])  # type: ignore[arg-type]


def test_rows_without_anything_to_assess_are_kept_with_a_warning(model):
    act = pd.DataFrame(
        [
            {"account_id": "a", "action": "post", "timestamp": "2019-01-01T10:00:00+07:00", "text": ""},
            {"account_id": "a", "action": "follow", "timestamp": "2019-01-01T10:00:00+07:00", "target_account": ""},
        ]
    )
    result = score(act, pd.DataFrame([{"account_id": "a", "asn_status": "pns"}]), model=model, election="pilpres-2019", errors="ignore")
    assert result.evidence["status"].tolist() == ["ok", "ok"]
    assert result.evidence["strength"].tolist() == [0.0, 0.0]
    assert result.issues["code"].tolist() == ["E314", "E314"]
    assert model.calls == []


def test_empty_activity_still_lists_accounts(tmp_path, model):
    (tmp_path / "activity.jsonl").write_text("")
    result = score(tmp_path / "activity.jsonl", pd.DataFrame(ACCOUNTS), model=model, election="pilpres-2019")
    assert len(result.evidence) == 0
    assert result.accounts["band"].tolist() == ["no_indication", "no_indication"]
    assert "Flagged accounts (0)" in result.to_markdown()


def test_datetime_values_from_dataframes_and_parquet(model):
    act = pd.DataFrame(
        {
            "account_id": ["a", "a"],
            "action": ["follow", "follow"],
            "timestamp": [pd.Timestamp("2019-01-15 20:30"), pd.Timestamp("2019-01-15 13:30", tz="UTC")],
            "target_account": ["@jokowi", "@sandiuno"],
        }
    )
    result = score(act, pd.DataFrame([{"account_id": "a", "asn_status": "pns"}]), model=model, election="pilpres-2019", errors="ignore")
    assert [str(t) for t in result.evidence["timestamp"]] == ["2019-01-15 20:30:00+07:00"] * 2
    assert result.evidence["timestamp_tz_assumed"].tolist() == [True, False]
    assert result.accounts.loc[0, "contestants"] == ["01", "02"]

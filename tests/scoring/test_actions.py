"""Actions as data: the rules file says which actions there are, the words data uses for them,
what a row of each needs and how reports word them; reading, evidence and reports follow it."""

from __future__ import annotations

import ast
import copy
from importlib import resources
from pathlib import Path

import pytest
import yaml

import netral_nlp
from netral_nlp.scoring import load_rules

SHIPPED = yaml.safe_load(resources.files("netral_nlp").joinpath("resources/rules/neutrality.yaml").read_text(encoding="utf-8"))
ACCOUNTS = [{"account_id": "a", "asn_status": "pns"}]


def _write(tmp_path: Path, data: dict, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _rules_written_before_the_vocabulary() -> dict:
    """A user's rules file as written for the six actions of before: no quote, and no aliases,
    requires or wording in any action."""
    old = copy.deepcopy(SHIPPED)
    del old["actions"]["quote"]
    for action in old["actions"].values():
        for field in ("aliases", "requires", "wording"):
            action.pop(field, None)
    old["actions"]["like"]["weight"] = 0.3  # and one change of policy
    return old


def test_quote_is_data_only():
    # The code knows no action by name: "quote" (and any other) lives in the rules file.
    package = Path(netral_nlp.__file__).parent
    for path in package.rglob("*.py"):
        strings = {n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Constant)}
        assert not strings & {"quote", "like", "follow", "join", "share", "comment"}, path
    assert "quote" in load_rules().actions and "quote" not in load_rules().actions["share"].aliases


def test_a_quote_is_scored_from_the_sharers_own_words_and_the_shared_post(run, posts, row_of):
    row = {
        "account_id": "a",
        "action": "Quote_Tweet",  # an alias, in any case
        "timestamp": posts.during_campaign,
        "text": posts.campaign,
        "target_account": "@detikcom",
        "target_text": posts.neutral_asn_news,
    }
    result = run([row], ACCOUNTS)
    ev = result.evidence.iloc[0]
    assert ev["action"] == "quote" and ev["basis"] == "own_text" and ev["p_campaign_text"] == pytest.approx(0.93)
    assert ev["p_campaign_target_text"] == pytest.approx(0.05)  # the shared post is classified too
    rules = load_rules()
    assert ev["strength"] == pytest.approx(rules.actions["quote"].weight * rules.periods["campaign"].weight * 0.93)
    assert ev["explanation"].startswith("quote of @detikcom in period 'campaign period'")
    assert row_of(result, "a")["n_quote"] == 1
    md = result.to_markdown()
    assert "Actions: 1 quote;" in md and f"“{posts.campaign[:30]}" in md and f"target: “{posts.neutral_asn_news[:30]}" in md
    # the same row as a plain share weighs less: its own words are not what a share is about
    shared = run([{**row, "action": "retweet"}], ACCOUNTS).evidence.iloc[0]
    assert shared["action"] == "share" and shared["strength"] < ev["strength"]


def test_a_rules_file_written_before_quote_keeps_working(tmp_path, run, posts, row_of):
    path = _write(tmp_path, _rules_written_before_the_vocabulary())
    rules = load_rules(path)
    shipped = load_rules()
    assert list(rules.actions) == list(shipped.actions)  # quote taken as shipped
    assert rules.actions["quote"] == shipped.actions["quote"]
    assert rules.actions["like"].weight == 0.3 and rules.actions["like"].aliases == shipped.actions["like"].aliases
    assert rules.actions["comment"].target == "on" and rules.actions["follow"].no_evidence
    likes = [
        {"account_id": "a", "action": "favorite", "timestamp": posts.during_campaign, "target_text": posts.contestant[0]},
        {"account_id": "a", "action": "quote", "timestamp": posts.during_campaign, "text": posts.campaign},
    ]
    result = run(likes, ACCOUNTS, rules=path)
    assert result.evidence["action"].tolist() == ["like", "quote"]
    assert result.evidence["strength"].iloc[0] == pytest.approx(0.3 * 0.93)
    assert row_of(result, "a")["n_like"] == 1


def test_a_new_action_in_a_users_file_is_read_scored_and_worded(tmp_path, run, posts, row_of):
    rules = copy.deepcopy(SHIPPED)
    rules["actions"] = {
        "duet": {
            "description": "a TikTok duet with a campaign video",
            "weight": 0.7,
            "cap": 0.8,
            "sources": {"own_text": 1.0, "target_text": 1.0},
            "provisions": ["skb_2_2022"],
            "aliases": ["stitch"],
            "requires": ["target_text"],
            "wording": {"one": "duet", "many": "duets", "target": "with"},
        }
    }
    path = _write(tmp_path, rules)
    rows = [
        {
            "account_id": "a",
            "action": "duet",
            "timestamp": posts.during_campaign,
            "target_account": "@x",
            "target_text": posts.contestant[0],
        },
        {"account_id": "a", "action": "STITCH", "timestamp": posts.during_campaign, "target_text": posts.contestant[1]},
        {"account_id": "a", "action": "duet", "timestamp": posts.during_campaign, "text": "halo"},  # no target_text
    ]
    result = run(rows, ACCOUNTS, rules=path, errors="ignore")
    assert result.evidence["action"].tolist() == ["duet", "duet", "duet"]
    assert result.evidence["counted"].tolist() == [True, True, False]
    assert result.evidence["explanation"].iloc[0].startswith("duet with @x in period")
    issue = result.issues[result.issues["code"] == "E314"].iloc[0]
    assert issue["field"] == "target_text" and issue["message"] == "duet without target_text: nothing to assess"
    account = row_of(result, "a")
    assert account["n_duet"] == 3 and "evidence in 2 duets" in account["summary"]
    assert "Actions: 3 duets;" in result.to_markdown()

"""The rules file: the shipped policy, user files, and validation that names file and field."""

from __future__ import annotations

import copy
from importlib import resources

import pytest
import yaml

from netral_nlp.elections import PERIODS
from netral_nlp.errors import InputError
from netral_nlp.scoring import ACTIONS, ASN_STATUSES, load_rules

SHIPPED = yaml.safe_load(resources.files("netral_nlp").joinpath("resources/rules/neutrality.yaml").read_text(encoding="utf-8"))


class _NoAliasDumper(yaml.SafeDumper):
    """Writes shared objects out in full: rules files may not hold anchors or aliases."""

    def ignore_aliases(self, data):
        return True


def _write(tmp_path, data, name="rules.yaml"):
    path = tmp_path / name
    path.write_text(yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True))
    return path


def test_shipped_rules_cover_every_action_period_and_status():
    rules = load_rules()
    assert tuple(rules.actions) == ACTIONS
    assert tuple(rules.periods) == PERIODS
    assert tuple(rules.statuses) == ASN_STATUSES
    assert rules.statuses["non_asn"].max_band == "no_indication"
    assert rules.statuses["unknown"].max_band == "needs_review"
    # Before determination: ethics (bakal calon); after: discipline.
    assert [rules.periods[p].regime for p in PERIODS] == ["ethics", "ethics"] + ["discipline"] * 5
    assert rules.cite(rules.provisions_for("post", "campaign")) == ["SKB 2/2022", "PP 94/2021 Pasal 5 huruf n"]
    assert rules.cite(rules.provisions_for("like", "before_registration")) == ["SKB 2/2022", "PP 42/2004 (kode etik PNS)"]
    # Passive acts alone cannot reach likely_violation: their strength stays below min_top_strength.
    top = rules.bands["likely_violation"]["min_top_strength"]
    assert all(rules.actions[a].weight < top for a in ("like", "follow"))
    assert load_rules(rules) is rules


def test_a_user_rules_file_changes_the_result(tmp_path, run, posts, row_of):
    strict = copy.deepcopy(SHIPPED)
    strict["actions"]["follow"]["weight"] = 0.1
    path = _write(tmp_path, strict)
    follow = [{"account_id": "a", "action": "follow", "timestamp": posts.during_campaign, "target_account": "@TKN_Jokowi"}]
    accounts = [{"account_id": "a", "asn_status": "pns"}]

    assert row_of(run(follow, accounts), "a")["band"] == "needs_review"
    result = run(follow, accounts, rules=path)
    assert row_of(result, "a")["band"] == "no_indication"
    assert result.meta["rules_source"] == str(path)


def test_json_rules_are_read_too(tmp_path):
    import json

    path = tmp_path / "rules.json"
    path.write_text(json.dumps(SHIPPED, default=str))
    assert load_rules(path).actions["like"].cap == SHIPPED["actions"]["like"]["cap"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["actions"]["like"].update(weight=1.5), r"actions\.like\.weight: expected a number in \[0, 1\], got 1\.5"),
        (lambda d: d["actions"]["like"].update(wieght=0.5), r"actions\.like: unknown field\(s\) \['wieght'\]"),
        (
            lambda d: d["actions"].update(retweet=d["actions"]["share"]),
            r"actions\.retweet: 'retweet' already stands for action 'share'; to count it as share, list it under actions\.share\.aliases",
        ),
        (lambda d: d["actions"]["like"].update(requires=["likes"]), r"actions\.like\.requires: expected a list of one or more of"),
        (lambda d: d["actions"]["like"].update(wording={"plural": "x"}), r"actions\.like\.wording: unknown field\(s\) \['plural'\]"),
        (lambda d: d["actions"]["like"].update(aliases=["reply"]), r"actions\.like: 'reply' already stands for action 'comment'"),
        (lambda d: d["actions"].update({"Repost Ulang": d["actions"]["share"]}), r"an action name is lower-case letters"),
        (lambda d: d["periods"].pop("quiet_period"), r"periods: expected exactly .*missing \['quiet_period'\]"),
        (lambda d: d["periods"]["campaign"].update(regime="martial"), r"periods\.campaign\.regime: unknown regime 'martial'"),
        (
            lambda d: d["regimes"]["ethics"].update(provisions=["uu_99_2099"]),
            r"regimes\.ethics\.provisions: unknown provision 'uu_99_2099'",
        ),
        (lambda d: d["statuses"]["non_asn"].update(max_band="guilty"), r"statuses\.non_asn\.max_band: expected one of"),
        (lambda d: d["bands"]["needs_review"].update(min_score=0.9), r"bands: needs_review\.min_score must not be above"),
        (lambda d: d["actions"]["post"].update(sources={"own_txt": 1.0}), r"actions\.post\.sources: unknown field\(s\) \['own_txt'\]"),
        (lambda d: d.update(version=2), r"version: this library reads rules version 1"),
        (lambda d: d.pop("bands"), r"missing field\(s\) \['bands'\]"),
        (lambda d: d["report"].update(top_evidence=0), r"report\.top_evidence: expected a positive integer"),
    ],
)
def test_invalid_rules_name_the_file_and_field(tmp_path, edit, message):
    data = copy.deepcopy(SHIPPED)
    edit(data)
    path = _write(tmp_path, data)
    with pytest.raises(InputError, match=rf"\[E330\] {tmp_path}.*{message}"):
        load_rules(path)


def test_rules_files_are_never_executed(tmp_path):
    path = tmp_path / "evil.yaml"
    marker = tmp_path / "pwned"
    path.write_text(f"!!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(InputError, match=r"\[E330\].*not valid YAML"):
        load_rules(path)
    assert not marker.exists()


def test_missing_or_wrong_rules_argument(tmp_path):
    with pytest.raises(InputError, match=r"\[E330\].*not found"):
        load_rules(tmp_path / "nope.yaml")
    with pytest.raises(TypeError):
        load_rules(42)  # type: ignore[arg-type]
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(InputError, match="expected a mapping"):
        load_rules(tmp_path / "list.yaml")

"""Hostile election, rules and training-argument files: memory bombs, duplicated keys, wrong types,
unknown timezones, dates with a time of day. Each is refused fast with an error that names the file
and the field and never prints a value whole."""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

import pytest

from netral_nlp.configfile import MAX_CONFIG_BYTES
from netral_nlp.elections import ElectionConfigError, load_election
from netral_nlp.errors import InputError
from netral_nlp.scoring.rules import load_rules
from netral_nlp.training import TrainingArguments

TEMPLATE = resources.files("netral_nlp").joinpath("resources/elections/pilkada-2024-template.yaml").read_text(encoding="utf-8")
RULES = resources.files("netral_nlp").joinpath("resources/rules/neutrality.yaml").read_text(encoding="utf-8")
#: An error message longer than this prints more than the file and the field.
MAX_MESSAGE = 600


def _billion_laughs(levels: int = 20) -> str:
    """1.5 KB of YAML whose aliases expand to 3**20 strings."""
    lines = ['a: &a ["lol", "lol", "lol"]']
    for i in range(1, levels):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}]")
    return "\n".join(lines) + "\n"


def _election(tmp_path: Path, text: str, name: str = "pilkada.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _refused(tmp_path: Path, text: str, *, match: str, name: str = "pilkada.yaml") -> ElectionConfigError:
    path = _election(tmp_path, text, name)
    started = time.perf_counter()
    with pytest.raises(ElectionConfigError, match=match) as err:
        load_election(path)
    assert time.perf_counter() - started < 5.0
    assert err.value.code == "E120"
    assert str(path) in str(err.value)
    assert len(str(err.value)) < MAX_MESSAGE
    return err.value


# --- elections -------------------------------------------------------------------------------


def test_the_template_itself_loads(tmp_path):
    assert load_election(_election(tmp_path, TEMPLATE)).timezone == "Asia/Jakarta"


def test_billion_laughs_election_is_refused_at_once(tmp_path):
    _refused(tmp_path, TEMPLATE + _billion_laughs(), match=r"pilkada\.yaml:\d+: an anchor \(&a\) is not allowed")


def test_an_alias_is_refused(tmp_path):
    text = TEMPLATE.replace("    aliases: []                                    #", "    aliases: *nicknames  #")
    _refused(tmp_path, text, match=r"an alias \(\*nicknames\) is not allowed")


def test_a_config_over_the_size_limit_is_refused_before_parsing(tmp_path):
    filler = "# " + "x" * 78 + "\n"
    text = TEMPLATE + filler * (MAX_CONFIG_BYTES // len(filler) + 1)
    _refused(tmp_path, text, match=rf"more than the {MAX_CONFIG_BYTES} a config file may have")


def test_deep_nesting_is_refused(tmp_path):
    _refused(tmp_path, TEMPLATE + "x: " + "[" * 5000 + "]" * 5000 + "\n", match="nested more than")


def test_duplicated_key_names_the_line(tmp_path):
    text = TEMPLATE.replace("voting_day: 2024-11-27", "voting_day: 2024-11-27\n  voting_day: 2024-12-27")
    _refused(tmp_path, text, match=r"pilkada\.yaml:\d+: key 'voting_day' appears twice \(first on line \d+\)")


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("  - number: 1", "  - number: true", r"pairs\[0\]\.number: expected a positive integer, got True"),
        ("  - number: 1", '  - number: "1"', r"pairs\[0\]\.number: expected a positive integer, got '1'"),
        ("\nparties: []\n", "\nparties: [{name: Partai A, number: yes}]\n", r"parties\[0\]\.number: expected an integer >= 0, got True"),
        ("\nparties: []\n", "\nparties: [{name: Partai A, number: satu}]\n", r"parties\[0\]\.number: expected an integer >= 0"),
        ("\nparties: []\n", "\nparties: 7\n", r"parties: expected a list, got int"),
        ("        name: Nama Calon A", "        name: [Nama, Calon]", r"candidates\[0\]\.name: expected a non-empty string"),
        ("    candidates:\n", "    candidates: 5\n    x:\n", r"unknown field|expected a list"),
        ("timezone: Asia/Jakarta", "timezone: Mars/Olympus_Mons", r"timezone: unknown timezone 'Mars/Olympus_Mons'"),
        ("timezone: Asia/Jakarta", "timezone: ../../../../etc/passwd", r"timezone: unknown timezone"),
        ("timezone: Asia/Jakarta", "timezone: 7", r"timezone: expected an IANA timezone name"),
        (
            "voting_day: 2024-11-27",
            "voting_day: 2024-11-27 10:00:00",
            r"calendar\.voting_day: expected a date YYYY-MM-DD without a time of day",
        ),
        (
            "campaign: {start: 2024-09-25, end: 2024-11-23}",
            "campaign: {start: 2024-09-25T08:00:00, end: 2024-11-23}",
            r"calendar\.campaign\.start: expected a date YYYY-MM-DD without a time of day",
        ),
        ("voting_day: 2024-11-27", "voting_day: 20241127", r"calendar\.voting_day: expected a date YYYY-MM-DD"),
        ("id: pilkada-2024-template", "id: {nested: map}", r"id: expected a non-empty string"),
    ],
    ids=[
        "number-true",
        "number-string",
        "party-number-bool",
        "party-number-word",
        "parties-not-a-list",
        "name-a-list",
        "candidates-not-a-list",
        "timezone-mars",
        "timezone-path",
        "timezone-int",
        "date-with-time",
        "range-date-with-time",
        "date-as-int",
        "id-a-mapping",
    ],
)
def test_wrong_types_name_the_field(tmp_path, old, new, match):
    assert old in TEMPLATE
    _refused(tmp_path, TEMPLATE.replace(old, new, 1), match=match)


def test_a_huge_value_is_not_printed_whole(tmp_path):
    huge = "[" + ", ".join(["99999"] * 50_000) + "]"
    err = _refused(tmp_path, TEMPLATE.replace("  - number: 1", "  - number: " + huge, 1), match=r"pairs\[0\]\.number")
    assert "99999, " * 10 not in str(err)
    text = TEMPLATE.replace("    hashtags: []", "    hashtags: [" + ", ".join(["tanpa_pagar"] * 20_000) + "]", 1)
    _refused(tmp_path, text, match="must start with '#'")


def test_not_utf8_and_not_a_file(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(TEMPLATE.replace("Kabupaten Contoh", "Kabupat\xe9n").encode("latin-1"))
    with pytest.raises(ElectionConfigError, match=r"latin1\.yaml:\d+: bytes that are not UTF-8"):
        load_election(path)
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    with pytest.raises(ElectionConfigError, match="not a file"):
        load_election(folder)
    with pytest.raises(FileNotFoundError, match=r"missing\.yaml"):
        load_election(tmp_path / "missing.yaml")


def test_score_cli_with_a_bomb_election_exits_2_fast(cli, tmp_path):
    (tmp_path / "bomb.yaml").write_text(TEMPLATE + _billion_laughs(), encoding="utf-8")
    (tmp_path / "activity.csv").write_text("account_id,action,timestamp,text\na,post,2024-10-01,halo\n", encoding="utf-8")
    (tmp_path / "accounts.csv").write_text("account_id,asn_status\na,pns\n", encoding="utf-8")
    started = time.perf_counter()
    result = cli("score", "--activity", "activity.csv", "--accounts", "accounts.csv", "--election", "bomb.yaml", "-o", "out")
    assert time.perf_counter() - started < 10
    assert result.coded_error() == "E120"
    assert "anchor (&a) is not allowed" in result.err


# --- rules -----------------------------------------------------------------------------------


def _rules_refused(tmp_path: Path, text: str, match: str) -> InputError:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(InputError, match=match) as err:
        load_rules(path)
    assert time.perf_counter() - started < 5.0
    assert err.value.code == "E330" and str(path) in str(err.value) and len(str(err.value)) < MAX_MESSAGE
    return err.value


def test_rules_with_a_duplicated_weight_are_refused(tmp_path):
    # The attack: the last of two weights wins silently, and posting campaign content weighs nothing.
    text = RULES.replace("    weight: 1.0\n    cap: 1.0\n", "    weight: 1.0\n    cap: 1.0\n    weight: 0.0\n", 1)
    assert text != RULES
    _rules_refused(tmp_path, text, r"rules\.yaml:\d+: key 'weight' appears twice")


def test_rules_billion_laughs_and_bool_version(tmp_path):
    _rules_refused(tmp_path, RULES + _billion_laughs(), r"anchor \(&a\) is not allowed")
    _rules_refused(tmp_path, RULES.replace("version: 1", "version: true", 1), r"version: this library reads rules version 1, got True")


def test_rules_cli_bomb_is_one_coded_line(cli, tmp_path):
    (tmp_path / "rules.yaml").write_text(RULES + _billion_laughs(), encoding="utf-8")
    (tmp_path / "activity.csv").write_text("account_id,action,timestamp,text\na,post,2024-10-01,halo\n", encoding="utf-8")
    (tmp_path / "accounts.csv").write_text("account_id,asn_status\na,pns\n", encoding="utf-8")
    result = cli("score", "--activity", "activity.csv", "--accounts", "accounts.csv", "--rules", "rules.yaml", "-o", "out")
    assert result.coded_error() == "E330"


# --- training arguments ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("epochs: many\n", r"field 'epochs': Input should be a valid number, got 'many'"),
        ("seed: true\n", r"field 'seed': Input should be a valid integer, got True"),
        ("C: .nan\n", r"field 'C'"),
        ("C: 0\n", r"C must be > 0"),
        ("model: linear\nmodel: transformer\n", r"key 'model' appears twice"),
        (_billion_laughs(), r"anchor \(&a\) is not allowed"),
        ("- a list\n", r"expected a mapping"),
        ("learning_rat: 0.1\n", r"unknown training argument"),
    ],
    ids=["epochs-word", "seed-bool", "C-nan", "C-zero", "duplicate", "bomb", "list", "typo"],
)
def test_training_arguments_file(tmp_path, text, match):
    path = tmp_path / "args.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=match) as err:
        TrainingArguments.from_file(path)
    assert err.value.code == "E121"


def test_train_cli_with_a_bad_config_is_one_coded_line(cli, tmp_path):
    (tmp_path / "args.yaml").write_text("epochs: many\n", encoding="utf-8")
    assert cli("train", "--config", "args.yaml", "--out", "m").coded_error() == "E121"

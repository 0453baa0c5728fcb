"""``netral-nlp normalize``: text, JSONL and CSV files (plain or gzip), standard input, errors."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netral_nlp.cli.app import app, main

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
POSTS = [
    "RT @kpu_ri: Ayo coblos 02!!! #2019GantiPresiden https://t.co/x",
    "Mantap jiwa wkwkwk, gak bohong",
    "Dukung Prabowo-Gibran, no urut 2 😍😍",
]
TRANSFORMER = [
    "ayo coblos 02! 2019 ganti presiden HTTPURL",
    "mantap jiwa wkwk, gak bohong",
    "dukung prabowo-gibran, no urut 2 :smiling_face_with_heart-eyes:",
]


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # short relative paths, so that error boxes do not wrap them
    return CliRunner()


def _coded(result) -> tuple[str, str]:
    """``(code, message)`` of a command that failed on the user's input: exit 2, one coded line."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    m = re.match(r"error: \[(E\d{3})\] (.*)", lines[0])
    assert m, lines[0]
    return m.group(1), m.group(2)


def test_txt_file_to_stdout(runner):
    Path("posts.txt").write_text("\n".join(POSTS) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["normalize", "posts.txt"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == TRANSFORMER


def test_txt_file_to_a_file_with_linear_preset_election_and_stemming(runner):
    Path("posts.txt").write_text("\n".join(POSTS) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["normalize", "posts.txt", "-o", "out.txt", "--preset", "linear", "--election", "pemilu-2024", "--stem"])
    assert result.exit_code == 0, result.output
    assert "normalised 3 texts -> out.txt" in result.stderr
    assert Path("out.txt").read_text(encoding="utf-8").splitlines() == [
        "ayo coblos [NOMOR_PASLON] ! 2019 ganti presiden HTTPURL",
        "mantap jiwa wkwk tidak bohong",
        "dukung [PASLON] no urut [NOMOR_PASLON] :smiling_face_with_heart-eyes:",
    ]


def test_jsonl_file_keeps_every_field_and_adds_the_normalised_text(runner):
    rows = [{"id": i, "text": t, "meta": {"lang": "id"}} for i, t in enumerate(POSTS)]
    Path("posts.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["normalize", "posts.jsonl", "-o", "out.jsonl"])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in Path("out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["text_normalized"] for r in out] == TRANSFORMER
    assert [{k: v for k, v in r.items() if k != "text_normalized"} for r in out] == rows


def test_jsonl_with_another_text_key(runner):
    Path("posts.jsonl").write_text(json.dumps({"tweet": POSTS[1]}) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["normalize", "posts.jsonl", "--text-key", "tweet"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["text_normalized"] == TRANSFORMER[1]
    code, message = _coded(runner.invoke(app, ["normalize", "posts.jsonl"]))
    assert code == "E105" and "posts.jsonl:1: field 'text' missing" in message


def test_csv_file_keeps_every_column(runner):
    with open("posts.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "label"])
        for i, post in enumerate(POSTS):
            writer.writerow([i, post, "x"])
        writer.writerow([9, "baris dua,\nkoma dan baris baru!!!", "y"])
    result = runner.invoke(app, ["normalize", "posts.csv", "-o", "out.csv"])
    assert result.exit_code == 0, result.output
    with open("out.csv", encoding="utf-8", newline="") as fh:
        out = list(csv.DictReader(fh))
    assert [r["text_normalized"] for r in out] == [*TRANSFORMER, "baris dua, koma dan baris baru!"]
    assert [r["id"] for r in out] == ["0", "1", "2", "9"] and out[-1]["label"] == "y"


def test_gzip_input_and_output(runner):
    with gzip.open("posts.jsonl.gz", "wt", encoding="utf-8") as fh:
        for post in POSTS:
            fh.write(json.dumps({"text": post}) + "\n")
    with gzip.open("posts.txt.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(POSTS) + "\n")
    result = runner.invoke(app, ["normalize", "posts.jsonl.gz", "-o", "out.jsonl.gz"])
    assert result.exit_code == 0, result.output
    with gzip.open("out.jsonl.gz", "rt", encoding="utf-8") as fh:
        assert [json.loads(line)["text_normalized"] for line in fh] == TRANSFORMER
    result = runner.invoke(app, ["normalize", "posts.txt.gz"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == TRANSFORMER


def test_stdin(runner):
    result = runner.invoke(app, ["normalize", "-"], input="\n".join(POSTS) + "\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == TRANSFORMER
    result = runner.invoke(app, ["normalize", "-", "--format", "jsonl"], input=json.dumps({"text": POSTS[0]}) + "\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["text_normalized"] == TRANSFORMER[0]


def test_refuses_to_overwrite_without_force(runner):
    Path("posts.txt").write_text(POSTS[0] + "\n", encoding="utf-8")
    Path("out.txt").write_text("keep me\n", encoding="utf-8")
    code, message = _coded(runner.invoke(app, ["normalize", "posts.txt", "-o", "out.txt"]))
    assert code == "E224" and "out.txt exists; pass --force to overwrite it" in message
    assert Path("out.txt").read_text(encoding="utf-8") == "keep me\n"
    result = runner.invoke(app, ["normalize", "posts.txt", "-o", "out.txt", "--force"])
    assert result.exit_code == 0, result.output
    assert Path("out.txt").read_text(encoding="utf-8") == TRANSFORMER[0] + "\n"


def test_invalid_json_line_names_file_and_line(runner):
    Path("posts.jsonl").write_text(json.dumps({"text": POSTS[0]}) + "\n{not json\n", encoding="utf-8")
    code, message = _coded(runner.invoke(app, ["normalize", "posts.jsonl", "-o", "out.jsonl"]))
    assert code == "E104" and message.startswith("posts.jsonl:2: invalid JSON")
    assert not Path("out.jsonl").exists()  # no half-written output under the real name


def test_invalid_json_line_exits_2_with_one_clear_line(tmp_path, monkeypatch, capsys):
    # The console script's entry point turns the library's input errors into exit code 2.
    monkeypatch.chdir(tmp_path)
    Path("posts.jsonl").write_text(json.dumps({"text": POSTS[0]}) + "\n{not json\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["netral-nlp", "normalize", "posts.jsonl", "-o", "out.jsonl"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: [E104] posts.jsonl:2: invalid JSON")
    assert "Traceback" not in err


def test_other_input_errors(runner):
    assert _coded(runner.invoke(app, ["normalize", "missing.txt"])) == ("E102", "missing.txt: no such file")
    Path("posts.csv").write_text("id,tweet\n1,halo\n", encoding="utf-8")
    code, message = _coded(runner.invoke(app, ["normalize", "posts.csv"]))
    assert code == "E105" and "column 'text' missing" in message
    Path("posts.jsonl").write_text('{"text": 42}\n', encoding="utf-8")
    code, message = _coded(runner.invoke(app, ["normalize", "posts.jsonl"]))
    assert code == "E103" and "posts.jsonl:1: field 'text': text must be a string" in message
    code, message = _coded(runner.invoke(app, ["normalize", "posts.jsonl", "--format", "xlsx"]))
    assert code == "E101" and "unknown format 'xlsx'" in message


def _real_latin1_head(lines: int) -> bytes:
    source = SHARED_DATA / "ibrohim2019_hs" / "re_dataset.csv"
    if not source.is_file():
        pytest.skip(f"shared data not found: {source}")
    raw = source.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the file is not UTF-8
    return b"".join(io.BytesIO(raw).readlines()[:lines])


def test_real_latin1_lines_as_text(runner):
    head = _real_latin1_head(400)
    Path("ibrohim.txt").write_bytes(head)
    # Files are UTF-8 unless told otherwise: the first line that is not stops the run, named.
    code, message = _coded(runner.invoke(app, ["normalize", "ibrohim.txt", "-o", "out.txt"]))
    assert code == "E109" and re.match(r"ibrohim\.txt:\d+: the line holds bytes that are not UTF-8 .*--encoding", message)
    assert not Path("out.txt").exists() and not Path("out.txt.partial").exists()
    result = runner.invoke(app, ["normalize", "ibrohim.txt", "-o", "out.txt", "--encoding", "latin-1"])
    assert result.exit_code == 0, result.output
    out = Path("out.txt").read_text(encoding="utf-8").splitlines()
    assert len(out) == len(head.splitlines())
    assert not any("\\x" in line for line in out)
    assert sum(":face_with_tears_of_joy:" in line for line in out) > 0


def test_real_latin1_csv_rows(runner):
    head = _real_latin1_head(300)
    Path("ibrohim.csv").write_bytes(head)
    result = runner.invoke(app, ["normalize", "ibrohim.csv", "-o", "out.csv", "--text-key", "Tweet", "--encoding", "latin-1"])
    assert result.exit_code == 0, result.output
    with open("out.csv", encoding="utf-8", newline="") as fh:
        out = list(csv.DictReader(fh))
    assert len(out) == len(list(csv.DictReader(io.StringIO(head.decode("latin-1"))))) > 250
    assert not any("\\x" in r["text_normalized"] for r in out)


def test_console_script_on_stdin():
    script = shutil.which("netral-nlp", path=str(Path(sys.executable).parent)) or shutil.which("netral-nlp")
    if script is None:
        pytest.skip("the netral-nlp console script is not installed")
    proc = subprocess.run(
        [script, "normalize", "-", "--election", "pemilu-2024"],
        input="\n".join(POSTS) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "ayo coblos [NOMOR_PASLON]! 2019 ganti presiden HTTPURL",
        "mantap jiwa wkwk, gak bohong",
        "dukung [PASLON], no urut [NOMOR_PASLON] :smiling_face_with_heart-eyes:",
    ]

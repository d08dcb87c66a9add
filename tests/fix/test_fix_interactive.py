"""`--interactive`: accept, edit, skip, accept all and quit, driven through the terminal prompt."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fix_samples import CSV_ROWS, csv_bytes, write

# The fixable changes of CSV_ROWS, in the order they are asked:
# 1 firstName of jane (hidden-character), 2 title of jane (blank-value),
# 3 title of bob (forbidden-character), 4 firstName of rene (not-normalized),
# 5 firstName of amy (unusual-space).


def _cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _logged(output: Path) -> list[tuple[str, str, str]]:
    text = Path(f"{output}.changes.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return [(r["record"], r["field"], r["new_value"]) for r in rows if r["status"] == "applied"]


def test_accept_skip_edit_and_quit(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.csv", csv_bytes(CSV_ROWS))
    output = tmp_path / "out.csv"
    answers = "a\ns\ne\nHead of Ops\nq\n"
    result = run("fix", source, "-o", output, "--interactive", "--warnings", input=answers)
    assert result.exit_code in (0, 1), result.output
    assert "<U+200B ZERO WIDTH SPACE>" in result.output  # the prompt shows hidden characters
    cells = _cells(output)
    assert cells[1][1] == "Jane"  # accepted
    assert cells[1][5] == " Boss "  # skipped
    assert cells[2][5] == "Head of Ops"  # edited
    assert cells[3][1] == CSV_ROWS[3][1]  # quit before it was asked
    assert _logged(output) == [("1", "firstName", "Jane"), ("2", "title", "Head of Ops")]
    assert "skipped (interactive)" in result.output
    assert "not applied: you quit" in result.output


def test_an_edited_value_must_pass_every_rule(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.csv", csv_bytes(CSV_ROWS))
    output = tmp_path / "out.csv"
    answers = "e\nJa;ne\ne\nJanet\nq\n"
    result = run("fix", source, "-o", output, "--interactive", "--warnings", input=answers)
    assert "not applied: the change would break forbidden-character" in result.output
    assert _cells(output)[1][1] == "Janet"
    assert _logged(output) == [("1", "firstName", "Janet")]


def test_accept_all_applies_the_rest_without_asking(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.csv", csv_bytes(CSV_ROWS))
    output = tmp_path / "out.csv"
    asked = run("fix", source, "-o", output, "--interactive", "--warnings", input="s\nA\n")
    assert asked.output.count("[a]ccept") == 2
    logged = _logged(output)
    assert [(r, f) for r, f, _ in logged] == [
        ("1", "title"),
        ("2", "title"),
        ("3", "firstName"),
        ("5", "firstName"),
    ]
    assert _cells(output)[1][1] == CSV_ROWS[1][1]


def test_quit_at_once_writes_an_unchanged_copy_that_undo_accepts(run, tmp_path: Path) -> None:
    original = csv_bytes(CSV_ROWS)
    source = write(tmp_path / "users.csv", original)
    output = tmp_path / "out.csv"
    run("fix", source, "-o", output, "--interactive", "--warnings", input="q\n")
    assert output.read_bytes() == original
    assert _logged(output) == []
    assert run("fix", "--undo", f"{output}.undo.json", output).exit_code == 0
    assert output.read_bytes() == original


def test_end_of_input_aborts_without_writing_anything(run, tmp_path: Path) -> None:
    source = write(tmp_path / "users.csv", csv_bytes(CSV_ROWS))
    result = run(
        "fix", source, "-o", tmp_path / "out.csv", "--interactive", "--warnings", input="a\n"
    )
    assert result.exit_code == 1 and "Aborted" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["users.csv"]

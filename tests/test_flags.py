"""autograder.grading.flags: one line per flagged notebook, replaced or removed by each grading,
under a lock shared by parallel graders."""
import json
import multiprocessing

from autograder.grading.flags import FLAGS_FILE, FORMAT, key, read_flags, update_flags


def entry(student, notebook="01_forward_pass", flagged=True, **more):
    return dict({"format": FORMAT, "student": student, "assignment": "maths_of_dl",
                 "notebook": notebook, "flagged": flagged, "reasons": ["record-missing"]}, **more)


def test_the_flags_file_lives_in_the_reports_folder():
    assert FLAGS_FILE == "reports/flags.jsonl"


def test_a_flagged_notebook_gets_one_line_and_a_regrading_replaces_it(tmp_path):
    path = tmp_path / "reports" / "flags.jsonl"        # the folder is made on first use
    update_flags(path, entry("ada", points=1.0))
    update_flags(path, entry("ada", notebook="02_activations"))
    update_flags(path, entry("ada", points=2.0, reasons=["tamper:numpy-patch"]))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 2
    flags = read_flags(path)
    assert set(flags) == {("ada", "maths_of_dl", "01_forward_pass"),
                          ("ada", "maths_of_dl", "02_activations")}
    assert flags[("ada", "maths_of_dl", "01_forward_pass")]["points"] == 2.0
    assert flags[("ada", "maths_of_dl", "01_forward_pass")]["reasons"] == ["tamper:numpy-patch"]


def test_a_notebook_no_longer_flagged_loses_its_line(tmp_path):
    path = tmp_path / "flags.jsonl"
    update_flags(path, entry("ada"))
    update_flags(path, entry("bob"))
    update_flags(path, entry("ada", flagged=False))
    assert list(read_flags(path)) == [("bob", "maths_of_dl", "01_forward_pass")]
    update_flags(path, entry("bob", flagged=False))
    assert path.read_text() == "" and read_flags(path) == {}


def test_an_unflagged_notebook_writes_no_line(tmp_path):
    path = tmp_path / "flags.jsonl"
    update_flags(path, entry("ada", flagged=False))
    assert path.read_text() == ""


def test_lines_of_other_formats_and_broken_lines_are_ignored_and_dropped(tmp_path):
    """Only this format's lines are read, and only flagged ones count as flags (an unflagged
    line, which the grader never writes, is kept as it is)."""
    path = tmp_path / "flags.jsonl"
    old = dict(entry("old"), format="maths-of-dl/grading/1")
    path.write_text("\n".join([json.dumps(old), "{not json", json.dumps([1, 2]),
                               json.dumps(entry("kept")), json.dumps(entry("off", flagged=False))])
                    + "\n")
    assert list(read_flags(path)) == [("kept", "maths_of_dl", "01_forward_pass")]
    update_flags(path, entry("new"))
    assert [key(json.loads(line))[0] for line in path.read_text().splitlines()] == ["kept", "off", "new"]


def test_a_missing_file_holds_no_flags(tmp_path):
    assert read_flags(tmp_path / "nothing.jsonl") == {}


def test_lines_are_sorted_json_and_nothing_else_is_left_behind(tmp_path):
    path = tmp_path / "flags.jsonl"
    update_flags(path, entry("ada", zeta=1, alpha=2))
    line = path.read_text()
    assert line == json.dumps(entry("ada", zeta=1, alpha=2), sort_keys=True) + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flags.jsonl", "flags.jsonl.lock"]


def _grader(path, student, rounds):
    for k in range(rounds):
        update_flags(path, entry(student, notebook=f"nb{k % 3}", points=float(k)))


def test_parallel_graders_lose_no_line(tmp_path):
    """Four processes (as `grade-class` runs them) update one file at once: every notebook's
    last state is there, once."""
    path = tmp_path / "flags.jsonl"
    rounds = 30
    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=_grader, args=(path, f"s{n}", rounds)) for n in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    lines = path.read_text().splitlines()
    flags = read_flags(path)
    assert len(lines) == len(flags) == 4 * 3
    for n in range(4):
        for k in range(3):
            last = max(r for r in range(rounds) if r % 3 == k)
            assert flags[(f"s{n}", "maths_of_dl", f"nb{k}")]["points"] == float(last)

"""LMS downloads in (autograder.lms), on real zip archives laid out as Canvas, Moodle and
Blackboard name them, and the attacks a student can make with their own file's name."""
import csv
import json
import zipfile

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.assignment import LAB
from autograder import lms

NOTEBOOKS = ["01_forward_pass", "02_activations"]


def _notebook(tag):
    return nbformat.writes(new_notebook(cells=[new_code_cell(f"# {tag}")]))


def _course(tmp_path):
    course = tmp_path / "course"
    release = course / "release" / LAB.id
    release.mkdir(parents=True)
    for name in NOTEBOOKS:
        (release / f"{name}.ipynb").write_text(_notebook("release"))
    return course


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return path


def _tag(course, student, notebook):
    path = course / "submitted" / student / LAB.id / f"{notebook}.ipynb"
    return nbformat.read(path, as_version=4).cells[0].source


CANVAS = {
    "adalovelace_1041_55001_01_forward_pass.ipynb": _notebook("ada first"),
    "adalovelace_1041_55002_01_forward_pass-1.ipynb": _notebook("ada re-upload"),
    "adalovelace_LATE_1041_55003_02_activations.ipynb": _notebook("ada late"),
    "alanturing_2077_55010_01_Forward_Pass.ipynb": _notebook("alan"),
    "alanturing_2077_55011_notes.txt": "not a notebook",
}
MOODLE = {
    "Grace Brewster Hopper_311_assignsubmission_file_/01_forward_pass.ipynb": _notebook("grace"),
    "Grace Brewster Hopper_311_assignsubmission_file_/02_activations-2.ipynb": _notebook("grace 2"),
    "Emmy Noether_412_assignsubmission_file_/scratch.ipynb": _notebook("emmy scratch"),
}
BLACKBOARD = {
    "Maths of DL_kgodel_attempt_2026-11-20-10-00-00_01_forward_pass.ipynb": _notebook("old"),
    "Maths of DL_kgodel_attempt_2026-11-21-09-30-00_01_forward_pass.ipynb": _notebook("new"),
    "Maths of DL_kgodel_attempt_2026-11-21-09-30-00.txt": "Name: Kurt Godel",
}


@pytest.mark.parametrize("member,lms_name,user,notebook", [
    ("adalovelace_1041_55001_01_forward_pass.ipynb", "canvas", "1041", "01_forward_pass"),
    ("x/adalovelace_LATE_1041_55003_02_activations.ipynb", "canvas", "1041", "02_activations"),
    ("Grace Hopper_311_assignsubmission_file_/01_forward_pass.ipynb", "moodle", "311",
     "01_forward_pass"),
    ("Maths of DL_kgodel_attempt_2026-11-21-09-30-00_01_forward_pass.ipynb", "blackboard",
     "kgodel", "01_forward_pass"),
    ("class/ada_lovelace_01_forward_pass.ipynb", "plain", "ada_lovelace", "01_forward_pass"),
])
def test_each_lms_naming_is_recognised(member, lms_name, user, notebook):
    submission, reason = lms.recognise(member, NOTEBOOKS)
    assert reason is None
    assert (submission.lms, submission.user, submission.notebook) == (lms_name, user, notebook)


def test_canvas_moodle_and_blackboard_downloads_import_the_latest_upload(tmp_path):
    course = _course(tmp_path)
    zips = [_zip(tmp_path / "canvas.zip", CANVAS), _zip(tmp_path / "moodle.zip", MOODLE),
            _zip(tmp_path / "blackboard.zip", BLACKBOARD)]
    imported, others = lms.import_downloads(course, LAB, zips)
    assert set(imported) == {("1041", "01_forward_pass"), ("1041", "02_activations"),
                             ("2077", "01_forward_pass"), ("311", "01_forward_pass"),
                             ("311", "02_activations"), ("kgodel", "01_forward_pass")}
    assert _tag(course, "1041", "01_forward_pass") == "# ada re-upload"     # -1 wins
    assert _tag(course, "1041", "02_activations") == "# ada late"
    assert _tag(course, "2077", "01_forward_pass") == "# alan"              # any case
    assert _tag(course, "kgodel", "01_forward_pass") == "# new"             # latest attempt
    reasons = dict(others)
    assert "an older upload" in reasons["canvas.zip:adalovelace_1041_55001_01_forward_pass.ipynb"]
    assert "not one of the notebooks" in reasons["canvas.zip:alanturing_2077_55011_notes.txt"]
    assert "not one of the notebooks" in \
        reasons["moodle.zip:Emmy Noether_412_assignsubmission_file_/scratch.ipynb"]
    listed = list(csv.DictReader(open(course / "reports" / LAB.id / "import.csv")))
    assert len(listed) == len(imported) + len(others) == sum(map(len, (CANVAS, MOODLE,
                                                                        BLACKBOARD)))
    people = json.loads((course / ".grading" / "students.json").read_text())
    assert people["311"] == {"lms": "moodle", "lms_id": "311", "name": "Grace Brewster Hopper"}


def test_a_roster_maps_lms_ids_and_unknown_ids_are_listed(tmp_path):
    course = _course(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text("lms_id,student_id\n1041,ada\n")
    imported, others = lms.import_downloads(course, LAB, [_zip(tmp_path / "c.zip", CANVAS)], roster)
    assert {s for s, _ in imported} == {"ada"}
    assert any("2077 is not in the roster" in reason for _, reason in others)


# ------------------------------------------------------------------ what the LMS wrote, only
def _folder(course, student):
    return course / "submitted" / student / LAB.id


def test_a_file_named_like_another_lms_cannot_replace_another_students_notebook(tmp_path):
    """Blackboard: Mallory's blank upload is named as Alan's later attempt."""
    course = _course(tmp_path)
    archive = _zip(tmp_path / "bb.zip", {
        "Maths of DL_alan_attempt_2026-11-20-10-00-00_01_forward_pass.ipynb": _notebook("alan"),
        "Maths of DL_alan_attempt_2026-11-20-10-00-00.txt": "Name: Alan",
        "Maths of DL_mallory_attempt_2026-11-21-09-00-00_x_alan_attempt_2099-01-01-00-00-00_"
        "01_forward_pass.ipynb": _notebook("blank"),
        "Maths of DL_mallory_attempt_2026-11-21-09-00-00.txt": "Name: Mallory"})
    imported, others = lms.import_downloads(course, LAB, [archive])
    assert _tag(course, "alan", "01_forward_pass") == "# alan"
    assert set(imported) == {("alan", "01_forward_pass")}
    assert any("is not one of the notebooks" in reason for _, reason in others)


def test_a_folder_inside_a_moodle_submission_cannot_claim_another_participant(tmp_path):
    course = _course(tmp_path)
    archive = _zip(tmp_path / "moodle.zip", {
        "Grace Hopper_311_assignsubmission_file_/01_forward_pass.ipynb": _notebook("grace"),
        "Mallory_5_assignsubmission_file_/Grace Hopper_311_assignsubmission_file_/"
        "01_forward_pass-9.ipynb": _notebook("blank")})
    imported, _ = lms.import_downloads(course, LAB, [archive])
    assert _tag(course, "311", "01_forward_pass") == "# grace"
    assert _tag(course, "5", "01_forward_pass") == "# blank"      # Mallory's own notebook


def test_a_blackboard_like_name_in_a_canvas_download_does_not_stop_the_import(tmp_path):
    course = _course(tmp_path)
    archive = _zip(tmp_path / "canvas.zip", {
        "alanturing_2077_55010_01_forward_pass.ipynb": _notebook("alan"),
        "mallory_1041_55020_Maths of DL_2077_attempt_2099-01-01-00-00-00_01_forward_pass.ipynb":
            _notebook("blank")})
    imported, others = lms.import_downloads(course, LAB, [archive])
    assert _tag(course, "2077", "01_forward_pass") == "# alan"
    assert ("1041", "01_forward_pass") not in imported
    assert len(others) == 1 and "not one of the notebooks" in others[0][1]


def test_a_canvas_name_cannot_be_moved_to_another_user_by_the_file_part(tmp_path):
    course = _course(tmp_path)
    archive = _zip(tmp_path / "canvas.zip", {
        "alanturing_2077_55010_01_forward_pass.ipynb": _notebook("alan"),
        "mallory_1041_55020_alanturing_2077_99999_01_forward_pass.ipynb": _notebook("blank")})
    lms.import_downloads(course, LAB, [archive])
    assert _tag(course, "2077", "01_forward_pass") == "# alan"


BB = "Maths of DL_{}_attempt_2026-11-21-09-30-00_01_forward_pass.ipynb"


@pytest.mark.parametrize("member,ada", [
    ("../_01_forward_pass.ipynb", "ada_01_forward_pass.ipynb"),
    ("._01_forward_pass.ipynb", "ada_01_forward_pass.ipynb"),
    (".._01_forward_pass.ipynb", "ada_01_forward_pass.ipynb"),
    ("class/.._01_forward_pass.ipynb", "class/ada_01_forward_pass.ipynb"),
    ("<img src=x onerror=alert(1)>_01_forward_pass.ipynb", "ada_01_forward_pass.ipynb"),
    ("ada lovelace_01_forward_pass.ipynb", "ada_01_forward_pass.ipynb"),
    (BB.format(".."), BB.format("ada")), (BB.format("."), BB.format("ada")),
    (BB.format("bob\n"), BB.format("ada")), ("bob\n_01_forward_pass.ipynb", "ada_01_forward_pass.ipynb"),
    (BB.format("<b>x</b>"), BB.format("ada"))])
def test_unsafe_student_ids_are_refused_and_listed(tmp_path, member, ada):
    course = _course(tmp_path)
    archive = _zip(tmp_path / "class.zip", {member: _notebook("evil"), ada: _notebook("ada")})
    imported, others = lms.import_downloads(course, LAB, [archive])
    assert set(imported) == {("ada", "01_forward_pass")}
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["ada"]
    assert sorted(p.name for p in course.iterdir()) == [".grading", "release", "reports",
                                                         "submitted"]
    assert others == [(f"class.zip:{member}", others[0][1])]
    assert "not a safe name" in others[0][1] or "not named as" in others[0][1]
    listed = list(csv.DictReader(open(course / "reports" / LAB.id / "import.csv")))
    assert len(listed) == 2


def test_a_roster_id_must_be_safe_too(tmp_path):
    course = _course(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text("lms_id,student_id\n1041,../../etc\n2077,alan\n")
    imported, others = lms.import_downloads(course, LAB, [_zip(tmp_path / "c.zip", CANVAS)], roster)
    assert {s for s, _ in imported} == {"alan"}
    assert any("not a safe name" in reason for _, reason in others)


def test_a_zip_bomb_member_is_not_expanded_and_the_rest_is_imported(tmp_path):
    course = _course(tmp_path)
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb_01_forward_pass.ipynb", b"\0" * (52 * 2**20))
        z.writestr("ada_01_forward_pass.ipynb", _notebook("ada"))
    assert archive.stat().st_size < 0.1 * 2**20
    imported, others = lms.import_downloads(course, LAB, [archive])
    assert set(imported) == {("ada", "01_forward_pass")}
    assert not (course / "submitted" / "bomb").exists()
    assert "MB a notebook may have" in dict(others)["bomb.zip:bomb_01_forward_pass.ipynb"]


def test_the_total_import_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(lms, "MAX_TOTAL_BYTES", 2 * len(_notebook("ada")) + 10)
    course = _course(tmp_path)
    archive = _zip(tmp_path / "class.zip", {f"{s}_01_forward_pass.ipynb": _notebook("ada")
                                            for s in ("ada", "bob", "cyd")})
    imported, others = lms.import_downloads(course, LAB, [archive])
    assert len(imported) == 2
    assert ["limit of" in reason for _, reason in others] == [True]


def test_a_corrupt_member_or_a_file_that_is_not_a_zip_is_listed_and_the_rest_imported(tmp_path):
    course = _course(tmp_path)
    archive = _zip(tmp_path / "class.zip", {"ada_01_forward_pass.ipynb": _notebook("ada"),
                                            "bob_01_forward_pass.ipynb": _notebook("bob" * 50)})
    data = bytearray(archive.read_bytes())
    at = data.index(b"bob" * 50)                 # stored, not compressed: spoil bob's bytes
    data[at] ^= 0xFF
    archive.write_bytes(bytes(data))
    (tmp_path / "notes.zip").write_text("not a zip")
    imported, others = lms.import_downloads(course, LAB, [archive, tmp_path / "notes.zip"])
    assert set(imported) == {("ada", "01_forward_pass")}
    reasons = dict(others)
    assert "not read" in reasons["class.zip:bob_01_forward_pass.ipynb"]
    assert "not a zip file" in reasons["notes.zip"]


class _Unflagged(zipfile.ZipInfo):
    """A member whose name is stored as raw bytes without the UTF-8 flag, as old zip tools and
    some LMSs write them."""
    raw = b""

    def _encodeFilenameFlags(self):
        return self.raw, self.flag_bits & ~0x800


def _unflagged_zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for raw, text in members.items():
            info = _Unflagged(raw.decode("cp437"))
            info.raw = raw
            z.writestr(info, text)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "cp437"])
def test_zip_names_are_decoded_as_the_lms_wrote_them(tmp_path, encoding):
    course = _course(tmp_path)
    name = "Zoë Müller_311_assignsubmission_file_/01_forward_pass.ipynb"
    archive = _unflagged_zip(tmp_path / "m.zip", {name.encode(encoding): _notebook("zoe")})
    with zipfile.ZipFile(archive) as z:
        assert not z.infolist()[0].flag_bits & 0x800
    imported, _ = lms.import_downloads(course, LAB, [archive])
    assert imported == {("311", "01_forward_pass"): f"m.zip:{name}"}
    people = json.loads((course / ".grading" / "students.json").read_text())
    assert people["311"]["name"] == "Zoë Müller"


def test_moodles_flat_download_is_recognised(tmp_path):
    course = _course(tmp_path)
    archive = _zip(tmp_path / "flat.zip", {
        "Ada Lovelace_123456_assignsubmission_file_01_forward_pass.ipynb": _notebook("ada"),
        "Ada Lovelace_123456_assignsubmission_file_02_Activations.ipynb": _notebook("ada 2"),
        "Ada Lovelace_123456_assignsubmission_onlinetext_onlinetext.html": "<p>hi</p>"})
    imported, others = lms.import_downloads(course, LAB, [archive])
    assert set(imported) == {("123456", "01_forward_pass"), ("123456", "02_activations")}
    people = json.loads((course / ".grading" / "students.json").read_text())
    assert people["123456"]["name"] == "Ada Lovelace" and people["123456"]["lms"] == "moodle"
    assert len(others) == 1


def test_late_canvas_uploads_are_recorded(tmp_path):
    course = _course(tmp_path)
    archive = _zip(tmp_path / "canvas.zip", {
        "adalovelace_late_1041_55003_02_activations.ipynb": _notebook("late"),
        "adalovelace_1041_55001_01_forward_pass.ipynb": _notebook("on time")})
    lms.import_downloads(course, LAB, [archive])
    assert lms.read_students(course, LAB)["1041"]["late"] == ["02_activations"]


def test_each_assignment_keeps_its_own_late_notebooks_and_import_list(tmp_path):
    """The weekly plan's week 2 names its notebook as the lab does: importing it leaves the
    lab's late notebooks and import list as they were, and an old record (a list) is the lab's."""
    course = _course(tmp_path)
    week = "week2_activations"
    (course / "release" / week).mkdir(parents=True)
    (course / "release" / week / "02_activations.ipynb").write_text(_notebook("release"))
    lms.import_downloads(course, LAB, [_zip(tmp_path / "lab.zip", {
        "adalovelace_late_1041_55003_02_activations.ipynb": _notebook("late")})])
    lab_list = (course / "reports" / LAB.id / "import.csv").read_text()
    lms.import_downloads(course, week, [_zip(tmp_path / "week.zip", {
        "adalovelace_1041_55009_02_activations.ipynb": _notebook("on time")})])
    assert lms.read_students(course, LAB)["1041"]["late"] == ["02_activations"]
    assert lms.read_students(course, week)["1041"]["late"] == []
    assert (course / "reports" / LAB.id / "import.csv").read_text() == lab_list
    assert "on time" not in lab_list and (course / "reports" / week / "import.csv").exists()
    store = course / ".grading" / "students.json"
    store.write_text(json.dumps({"1041": {"lms": "canvas", "late": ["01_forward_pass"]}}))
    assert lms.read_students(course, LAB)["1041"]["late"] == ["01_forward_pass"]
    assert lms.read_students(course, week)["1041"]["late"] == []

"""autograder.kernel_data: the kernel side's manifest in its two modes, the kernel package copied
with it, the grading kernel spec, and the command that writes them.  (That nothing answer-like
reaches the kernel side is tested in tests/test_kernel_side.py.)"""
import json
import sys
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager

from autograder import kernel_data
from autograder.catalogue import CATALOGUE
from autograder.figures import network_figure
from autograder.settings import REPO
from mdl_kernel import manifest as kernel_manifest
from mdl_kernel.cases import unpack


def test_the_committed_manifest_is_fresh():
    """kernel/mdl_kernel/data/manifest.json is what `python -m autograder.kernel_data` writes."""
    assert kernel_data.MANIFEST.read_text() == kernel_data.text("full"), \
        "run: python -m autograder.kernel_data"
    assert kernel_data.MANIFEST.is_relative_to(REPO / "kernel")


def test_one_manifest_serves_both_release_plans():
    """Keyed by exercise id, never by assignment: each plan's exercises are exactly its keys."""
    from autograder.assignment import PLANS
    exercises = set(kernel_data.manifest()["exercises"])
    for plan, assignments in PLANS.items():
        ids = [eid for a in assignments for eid in a.catalogue]
        assert sorted(ids) == sorted(exercises) == sorted(CATALOGUE), plan


def test_refresh_writes_only_a_changed_manifest(tmp_path):
    path = tmp_path / "manifest.json"
    assert kernel_data.refresh(path=path) is True
    assert path.read_text() == kernel_data.text("full")
    written = path.stat().st_mtime_ns
    assert kernel_data.refresh(path=path) is False
    assert path.stat().st_mtime_ns == written
    path.write_text("{}")
    assert kernel_data.refresh(path=path) is True and path.read_text() == kernel_data.text()


@pytest.mark.parametrize("mode", kernel_data.MODES)
def test_the_manifest_of_each_mode(mode):
    found = kernel_data.manifest(mode)
    assert found["format"] == kernel_manifest.FORMAT and found["mode"] == mode
    assert found["network"] == network_figure()
    assert list(found["exercises"]) == list(CATALOGUE)
    for eid, ex in CATALOGUE.items():
        assert found["exercises"][eid] == {"items": [item.kind.info(item) for item in ex.items]}
    assert ("answers" in found) is (mode == "full")
    assert kernel_data.text(mode) == json.dumps(found, indent=1, sort_keys=True) + "\n"


def test_full_mode_ships_what_each_kind_may_ship():
    answers = unpack(kernel_data.manifest("full")["answers"])
    for eid, ex in CATALOGUE.items():
        shipped = {item.name: item.kind.shipped(item) for item in ex.items}
        assert answers[eid] == json.loads(json.dumps(
            {k: v for k, v in shipped.items() if v is not None}))


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match=r"^mode must be one of full, format, not 'answers'$"):
        kernel_data.manifest("answers")


def test_the_package_copy_holds_the_manifest_of_its_mode(tmp_path):
    out = tmp_path / "kernel-side"
    (out / "stale").mkdir(parents=True)                          # replaced, not merged
    assert kernel_data.package("format", out) == out
    assert not (out / "stale").exists() and (out / "pyproject.toml").exists()
    assert (out / "mdl_kernel" / "data" / "manifest.json").read_text() == kernel_data.text("format")
    assert (out / "mdl_kernel" / "plain.py").read_bytes() == \
        (kernel_data.KERNEL / "mdl_kernel" / "plain.py").read_bytes()
    assert not list(out.rglob("__pycache__")) and not list(out.rglob("*.egg-info"))


def test_the_command(tmp_path, capsys):
    assert kernel_data.main(["--print", "--mode", "format"]) == 0
    assert capsys.readouterr().out == kernel_data.text("format")
    assert kernel_data.main(["--out", str(tmp_path / "k")]) == 0
    assert capsys.readouterr().out == f"wrote {tmp_path / 'k'} (full mode)\n"
    assert (tmp_path / "k" / "mdl_kernel" / "data" / "manifest.json").read_text() == \
        kernel_data.text("full")
    path = kernel_data.write("format", tmp_path / "manifest.json")
    assert path.read_text() == kernel_data.text("format")


def test_the_grading_kernel_spec_runs_in_the_sandbox(tmp_path):
    name = f"maths-of-dl-test-{tmp_path.name}".lower()
    folder = kernel_data.install_kernel_spec("/some/python", name)
    try:
        spec = KernelSpecManager().get_kernel_spec(name)
        assert spec.resource_dir == folder and folder.startswith(sys.prefix)
        assert spec.argv == ["/some/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        assert spec.interrupt_mode == "message" and spec.language == "python"
        written = json.loads((Path(folder) / "kernel.json").read_text())
        assert written["metadata"] == {"debugger": False, "kernel_provisioner": {
            "provisioner_name": "maths-of-dl-sandbox"}}
        assert written["display_name"] == "Maths of DL (grading)"
    finally:
        KernelSpecManager().remove_kernel_spec(name)

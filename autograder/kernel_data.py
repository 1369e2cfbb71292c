"""The kernel side's data: the manifest a student's kernel reads, made from the catalogue.

    python -m autograder.kernel_data                      # kernel/mdl_kernel/data/manifest.json
    python -m autograder.kernel_data --mode format --out DIR
                                                          # a copy of the kernel package in DIR
    python -m autograder.kernel_data --kernel-spec PYTHON # the grading kernel spec, run by PYTHON

The manifest (see `mdl_kernel.manifest`) holds, per exercise, what the kernel needs to read the
answers (names, kinds, shapes, choices, symbols, visible test inputs), the numbers of the
network the notebook draws, and in the `full` mode
(the default) the packed data of the self-check: reference values and known mistakes of hand
answers, expected outputs on the visible inputs, expressions' values at fixed points.  In the
`format` mode nothing answer-like ships.  Hidden test inputs never do: the tutor's process hands
them to the kernel at grading time, outside the notebook (`grading.inputs`).

The manifest is keyed by exercise id only, never by assignment or notebook folder: a kernel's
`check("F1a", globals())` and `record("F1a", globals())` find their exercise whether the notebook
is graded as `maths_of_dl/01_forward_pass.ipynb` or `week1_forward_pass/01_forward_pass.ipynb`
(`autograder.assignment.PLANS`), and the grader hands each test cell its exercise's inputs by
its grade id in the same way.  One manifest serves both release plans.
"""
import argparse
import json
import shutil
import sys
from pathlib import Path

from mdl_kernel.cases import pack
from mdl_kernel.manifest import FORMAT

from .catalogue import CATALOGUE
from .figures import network_figure

KERNEL = Path(__file__).resolve().parent.parent / "kernel"
MANIFEST = KERNEL / "mdl_kernel" / "data" / "manifest.json"
MODES = ("full", "format")


def item_info(item):
    return item.kind.info(item)


def manifest(mode="full"):
    """The manifest as a dict."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    exercises = {eid: {"items": [item_info(item) for item in ex.items]}
                 for eid, ex in CATALOGUE.items()}
    found = {"format": FORMAT, "mode": mode, "exercises": exercises, "network": network_figure()}
    if mode == "full":
        answers = {}
        for eid, ex in CATALOGUE.items():
            shipped = {item.name: item.kind.shipped(item) for item in ex.items}
            answers[eid] = {k: v for k, v in shipped.items() if v is not None}
        found["answers"] = pack(answers)
    return found


def text(mode="full"):
    return json.dumps(manifest(mode), indent=1, sort_keys=True) + "\n"


def write(mode="full", path=MANIFEST):
    Path(path).write_text(text(mode))
    return Path(path)


def refresh(mode="full", path=MANIFEST):
    """Write the manifest only when its text changed (a kernel reading it meanwhile never sees
    it half written for nothing); True when it was written."""
    fresh = text(mode)
    if Path(path).exists() and Path(path).read_text() == fresh:
        return False
    Path(path).write_text(fresh)
    return True


def package(mode, out):
    """A copy of the kernel package (pyproject.toml and mdl_kernel/) in `out`, with the manifest
    of `mode`; `pip install OUT` installs it."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(KERNEL, out, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info",
                                                                "build"))
    write(mode, out / "mdl_kernel" / "data" / "manifest.json")
    return out


def install_kernel_spec(python, name=None, prefix=None):
    """Register the grading kernel spec (settings.GRADING_KERNEL) in this environment (or under
    `prefix`: PREFIX/share/jupyter, for JUPYTER_PATH): a kernel run by `python`, an environment
    that has the kernel side and no tutor side, started in the sandbox
    (`grading.sandbox.provisioner.SandboxProvisioner`)."""
    import tempfile

    from jupyter_client.kernelspec import KernelSpecManager

    from .settings import GRADING_KERNEL
    spec = {"argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Maths of DL (grading)", "language": "python",
            "interrupt_mode": "message",     # a signal would stop at the sandbox's edge
            "metadata": {"debugger": False,
                         "kernel_provisioner": {"provisioner_name": "maths-of-dl-sandbox"}}}
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "kernel.json").write_text(json.dumps(spec, indent=1))
        return KernelSpecManager().install_kernel_spec(folder, name or GRADING_KERNEL,
                                                       prefix=str(prefix or sys.prefix))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=MODES, default="full")
    parser.add_argument("--out", help="write a copy of the kernel package here instead")
    parser.add_argument("--print", action="store_true", help="print the manifest instead")
    parser.add_argument("--kernel-spec", metavar="PYTHON",
                        help="register the grading kernel spec, run by this Python")
    args = parser.parse_args(argv)
    if args.kernel_spec:
        print(f"installed {install_kernel_spec(args.kernel_spec)}")
    elif args.print:
        sys.stdout.write(text(args.mode))
    elif args.out:
        print(f"wrote {package(args.mode, args.out)} ({args.mode} mode)")
    else:
        print(f"wrote {write(args.mode)} ({args.mode} mode)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

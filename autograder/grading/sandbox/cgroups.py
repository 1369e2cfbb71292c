"""A sandbox's control groups (root, cgroup v1 or v2): a CPU group, a process group and a memory
group of its own, so that a fork bomb's processes share one kernel's CPU weight and count against
its process limit, and all its processes together hold at most its memory.  Named after the
grading process that made them (CGROUP_PREFIX, its process id): the next grading removes those
whose process has ended (`sweep_cgroups`)."""
import glob
import os
import time
from pathlib import Path

from .policy import DEFAULT_LIMITS

CGROUPS = Path("/sys/fs/cgroup")
CGROUP_PREFIX = "maths-of-dl-"     # then the process id of the grading process that made it


def make_cgroups(name, limits=DEFAULT_LIMITS):
    """New control groups for one sandbox (a CPU group, a process group with `limits.processes`,
    a memory group with `limits.memory_bytes` and no swap), as the folders to put it in; none
    where they cannot be made (not root, no cgroup file system, the controller not enabled)."""
    made = []
    if (CGROUPS / "cgroup.controllers").exists():                   # cgroup v2: one tree
        enabled = _read(CGROUPS / "cgroup.subtree_control").split()
        limits = {"pids.max": limits.processes}
        if "memory" in enabled:
            limits.update({"memory.max": limits.memory_bytes, "memory.swap.max": 0})
        places = [(CGROUPS / name, limits)]
    else:                                                           # cgroup v1: one per controller
        places = [(CGROUPS / "cpu" / name, {}), (CGROUPS / "pids" / name, {"pids.max": limits.processes}),
                  (CGROUPS / "memory" / name, {"memory.limit_in_bytes": limits.memory_bytes,
                                               "memory.memsw.limit_in_bytes": limits.memory_bytes})]
    for folder, limits in places:
        try:
            folder.mkdir()
        except OSError:
            continue
        for setting, value in limits.items():
            try:
                if (folder / setting).exists():
                    (folder / setting).write_text(str(value))
            except OSError:
                continue
        made.append(str(folder))
    return made


def _read(path):
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def remove_cgroups(folders):
    """Remove the kernel's control groups once its processes are gone (they die with it)."""
    for folder in folders:
        for _ in range(50):
            try:
                os.rmdir(folder)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.1)


def sweep_cgroups():
    """Remove the sandboxes' control groups (named after the process that made them) whose
    process has ended and that hold no process any more (a control group holding one cannot be
    removed)."""
    for path in glob.glob(str(CGROUPS / CGROUP_PREFIX) + "*") + \
            glob.glob(str(CGROUPS / "*" / CGROUP_PREFIX) + "*"):
        try:
            owner = int(os.path.basename(path)[len(CGROUP_PREFIX):].split("-")[0])
            os.kill(owner, 0)
        except ProcessLookupError:
            try:
                os.rmdir(path)
            except OSError:
                pass
        except (ValueError, OSError):
            continue

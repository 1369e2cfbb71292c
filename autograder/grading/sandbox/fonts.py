"""matplotlib's list of the system's fonts, made once per grading kernel: otherwise every
sandboxed kernel that imports pyplot (with an empty home) would spend about 1.7 s scanning every
font on the machine."""
import hashlib
import os
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=None)
def font_list(python):
    """matplotlib's list of the system's fonts (fontlist-v*.json) for the grading kernel run by
    `python` (a path, as a string): made once, by that Python with an empty home (so only the
    system's fonts, which the sandbox shows, are listed), and kept in its environment's
    share/maths-of-dl-fonts/ (or in ~/.cache/maths-of-dl/fonts/ when that is read-only).  None
    when that Python has no matplotlib."""
    places = [Path(python).parent.parent / "share" / "maths-of-dl-fonts",
              Path.home() / ".cache" / "maths-of-dl" / "fonts"
              / hashlib.sha256(python.encode()).hexdigest()[:12]]
    for folder in places:
        found = sorted(folder.glob("fontlist-v*.json"))
        if found:
            return found[-1]
    for folder in places:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=folder) as build:
                done = subprocess.run([python, "-c", "import matplotlib.font_manager"],
                                      env={"MPLCONFIGDIR": build, "HOME": build,
                                           "PATH": "/usr/bin:/bin"},
                                      capture_output=True, timeout=300)
                made = sorted(Path(build).glob("fontlist-v*.json"))
                if done.returncode != 0 or not made:
                    return None
                os.replace(made[-1], folder / made[-1].name)   # whole, even with others racing
                return folder / made[-1].name
        except (OSError, subprocess.TimeoutExpired):
            continue
    return None

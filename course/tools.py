"""What the PDFs need on this machine: XeLaTeX and the LaTeX files the template loads, pandoc,
the DejaVu fonts; each missing one named with the Debian/Ubuntu package that provides it."""
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Requirement:
    what: str          # what is missing, in words
    package: str       # the Debian/Ubuntu package that provides it


def _tex_files_found(names):
    """The names kpsewhich finds in the TeX installation (one call for all)."""
    kpsewhich = shutil.which("kpsewhich")
    if not kpsewhich:
        return set()
    out = subprocess.run([kpsewhich, *names], capture_output=True, text=True).stdout
    return {Path(line.strip()).name for line in out.splitlines() if line.strip()}


def _dejavu():
    if shutil.which("fc-list"):
        out = subprocess.run(["fc-list", ":family"], capture_output=True, text=True).stdout
        return all(f in out for f in ("DejaVu Serif", "DejaVu Sans", "DejaVu Sans Mono"))
    return any(Path(d, "DejaVuSerif.ttf").exists()
               for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
                         "/Library/Fonts", os.path.expanduser("~/.fonts")))


# LaTeX files the nbconvert template and our preamble load, and the Debian package of each.
TEX_FILES = {
    "fontspec.sty": "texlive-latex-recommended", "unicode-math.sty": "texlive-latex-recommended",
    "latinmodern-math.otf": "fonts-lmodern", "adjustbox.sty": "texlive-latex-extra",
    "titling.sty": "texlive-latex-extra", "enumitem.sty": "texlive-latex-extra",
    "upquote.sty": "texlive-latex-extra", "soul.sty": "texlive-plain-generic",
    "ulem.sty": "texlive-plain-generic", "eurosym.sty": "texlive-fonts-recommended",
    "mathrsfs.sty": "texlive-latex-recommended", "grffile.sty": "texlive-latex-recommended",
    "booktabs.sty": "texlive-latex-recommended", "fancyvrb.sty": "texlive-latex-recommended",
    "caption.sty": "texlive-latex-recommended", "float.sty": "texlive-latex-recommended",
    "xcolor.sty": "texlive-latex-recommended", "longtable.sty": "texlive-latex-base",
    "geometry.sty": "texlive-latex-base", "hyperref.sty": "texlive-latex-base",
    "amsmath.sty": "texlive-latex-base", "bookmark.sty": "texlive-latex-base",
    "iftex.sty": "texlive-base",
}
# What set-up installs on Debian/Ubuntu (pdftotext, from poppler-utils, is for the tests).
APT_PACKAGES = ("texlive-xetex", "texlive-fonts-recommended", "texlive-plain-generic",
                "texlive-latex-extra", "fonts-lmodern", "pandoc", "fonts-dejavu", "poppler-utils")


def missing_tools():
    """The requirements of the PDFs that this machine lacks (empty when all is there)."""
    missing = []
    if not shutil.which("pandoc"):
        missing.append(Requirement("pandoc (nbconvert turns Markdown into LaTeX with it)", "pandoc"))
    if not shutil.which("xelatex"):
        missing.append(Requirement("xelatex (typesets the PDFs)", "texlive-xetex"))
    else:
        found = _tex_files_found(TEX_FILES)
        missing += [Requirement(f"the LaTeX file {name}", package)
                    for name, package in TEX_FILES.items() if name not in found]
    if not _dejavu():
        missing.append(Requirement("the DejaVu fonts (Serif, Sans, Sans Mono)", "fonts-dejavu"))
    return missing


def install_hint(missing):
    """Exactly what to install, for Debian/Ubuntu or in words elsewhere."""
    if not missing:
        return ""
    packages = sorted({m.package for m in missing})
    lines = ["Missing for the PDFs:"] + [f"  - {m.what}  [Debian/Ubuntu package {m.package}]"
                                         for m in missing]
    if Path("/etc/debian_version").exists() or shutil.which("apt-get"):
        lines.append("Install them with:  sudo apt-get install -y " + " ".join(packages))
    else:
        lines.append("On this system install a TeX distribution with XeLaTeX and the LaTeX "
                     "packages above (TeX Live or MiKTeX), pandoc, and the DejaVu fonts.")
    return "\n".join(lines)

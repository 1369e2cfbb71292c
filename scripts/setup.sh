#!/usr/bin/env bash
# Set up a fresh machine: Debian packages for PDFs (when root), a virtual environment in .venv with
# the pinned Python packages of requirements.lock, and this project installed in it.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="texlive-xetex texlive-fonts-recommended texlive-plain-generic pandoc poppler-utils fonts-dejavu fonts-lmodern"
missing=""
for tool in xelatex pandoc pdftotext; do command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages for PDFs ($APT_PACKAGES)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $APT_PACKAGES >/dev/null
  else
    echo "setup: PDFs need$missing; install (as root): apt-get install $APT_PACKAGES" >&2
    echo "setup: continuing; everything but the PDFs will work" >&2
  fi
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
if ! .venv/bin/python -c "import nbgrader, autograder" 2>/dev/null || [ requirements.lock -nt .venv/.installed ]; then
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -m pip install -q -r requirements.lock 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -m pip install -q --no-deps -e . 2>&1 | grep -v "is ignored" || true
  touch .venv/.installed
fi
.venv/bin/python -c "import nbgrader, numpy, sympy, autograder" || { echo "setup: Python packages failed to install" >&2; exit 1; }

#!/usr/bin/env bash
# Set up a fresh machine: a virtual environment in .venv with the pinned Python packages of
# requirements.lock and this project installed in it, then the Debian packages for PDFs (when
# root; otherwise it says what to install and carries on: everything but the PDFs works).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
if ! .venv/bin/python -c "import nbgrader, autograder" 2>/dev/null || [ requirements.lock -nt .venv/.installed ]; then
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -m pip install -q -r requirements.lock 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -m pip install -q --no-deps -e . 2>&1 | grep -v "is ignored" || true
  touch .venv/.installed
fi
.venv/bin/python -c "import nbgrader, numpy, sympy, autograder" || { echo "setup: Python packages failed to install" >&2; exit 1; }

missing=""
for tool in xelatex pandoc pdftotext; do command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"; done
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$missing DejaVu-fonts"
if [ -n "$missing" ]; then
  APT_PACKAGES=$(.venv/bin/python -m course.documents --apt-packages)
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages for PDFs ($APT_PACKAGES)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $APT_PACKAGES >/dev/null
  else
    echo "setup: PDFs need$missing; install (as root): apt-get install $APT_PACKAGES" >&2
    echo "setup: continuing; everything but the PDFs will work" >&2
  fi
fi

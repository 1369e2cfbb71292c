#!/usr/bin/env bash
# Set up a fresh machine:
#  * .venv/: the tutor's environment, with the pinned Python packages of requirements.lock, this
#    project (autograder, the tutor side) and the kernel side (kernel/, mdl_kernel) installed;
#  * .grading-kernel/: the grading kernel's environment: NumPy, SymPy, matplotlib, ipykernel and
#    the kernel side in its `format` mode only -- nothing that knows an answer -- registered as
#    the kernel spec `maths-of-dl-grading`, which nbgrader_config.py makes autograde use;
#  * bubblewrap (the grading kernels' sandbox), chromium (the tests' browser) and the Debian
#    packages for PDFs (when root; otherwise it says what to install and carries on: everything
#    but the PDFs works, and grading needs bubblewrap or MATHS_OF_DL_UNSANDBOXED=1).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
quiet() { "$@" 2>&1 | grep -v "is ignored\|BuildBackendWarning\|editable_wheel\|^ *!!\|^ *\*\*\*\|Please be careful\|name as your package\|WheelFile\|^ *$" || true; }

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
if ! .venv/bin/python -c "import nbgrader, autograder, mdl_kernel" 2>/dev/null || [ requirements.lock -nt .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  quiet .venv/bin/python -m pip install -q --upgrade pip
  quiet .venv/bin/python -m pip install -q -r requirements.lock
  quiet .venv/bin/python -m pip install -q --no-deps -e . -e kernel/
  touch .venv/.installed
fi
.venv/bin/python -c "import nbgrader, numpy, sympy, autograder, mdl_kernel" || { echo "setup: Python packages failed to install" >&2; exit 1; }

# the grading kernel: its own environment, the kernel side only (format mode)
KERNEL_ENV=.grading-kernel
[ -x $KERNEL_ENV/bin/python ] || "$PYTHON" -m venv $KERNEL_ENV
if ! $KERNEL_ENV/bin/python -c "import numpy, sympy, matplotlib, ipykernel" 2>/dev/null || [ requirements.lock -nt $KERNEL_ENV/.installed ]; then
  grep -iE "^(numpy|sympy|mpmath|matplotlib|contourpy|cycler|fonttools|kiwisolver|packaging|pillow|pyparsing|python-dateutil|six|ipykernel|ipython|comm|debugpy|jupyter_client|jupyter_core|matplotlib-inline|nest-asyncio2?|psutil|pyzmq|tornado|traitlets|platformdirs|decorator|jedi|parso|pexpect|ptyprocess|prompt_toolkit|wcwidth|pygments|stack-data|asttokens|executing|pure_eval|ipython_pygments_lexers|typing_extensions)==" requirements.lock > $KERNEL_ENV/requirements.txt
  quiet $KERNEL_ENV/bin/python -m pip install -q --upgrade pip
  quiet $KERNEL_ENV/bin/python -m pip install -q -r $KERNEL_ENV/requirements.txt
  touch $KERNEL_ENV/.installed
fi
# the kernel side, rebuilt whenever it or the catalogue changes
stamp=$(cat kernel/pyproject.toml kernel/mdl_kernel/*.py <(.venv/bin/python -m autograder.kernel_data --print --mode format) | sha256sum | cut -c1-16)
if [ "$(cat $KERNEL_ENV/.kernel-side 2>/dev/null)" != "$stamp" ]; then
  .venv/bin/python -m autograder.kernel_data --mode format --out $KERNEL_ENV/kernel-side >/dev/null
  quiet $KERNEL_ENV/bin/python -m pip install -q --no-deps --force-reinstall $KERNEL_ENV/kernel-side
  rm -rf $KERNEL_ENV/kernel-side
  echo "$stamp" > $KERNEL_ENV/.kernel-side
fi
.venv/bin/python -m autograder.kernel_data --kernel-spec "$PWD/$KERNEL_ENV/bin/python" >/dev/null
$KERNEL_ENV/bin/python -c "import mdl_kernel" || { echo "setup: the grading kernel failed to install" >&2; exit 1; }

# Debian packages: bubblewrap (the grading kernels' sandbox), chromium and chromium-driver (the
# tests' browser), PostgreSQL (the tests' gradebook server) and what the PDFs need; installed in
# one go when root, else named
debian=""
command -v bwrap >/dev/null 2>&1 || debian="$debian bubblewrap"
command -v chromium >/dev/null 2>&1 || debian="$debian chromium"
command -v chromedriver >/dev/null 2>&1 || debian="$debian chromium-driver"
# PostgreSQL: the tests grade into a throwaway server (tests/postgres.py: initdb, pg_ctl)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || debian="$debian postgresql"
pdf_missing=""
for tool in xelatex pandoc pdftotext; do command -v "$tool" >/dev/null 2>&1 || pdf_missing="$pdf_missing $tool"; done
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || pdf_missing="$pdf_missing DejaVu-fonts"
[ -z "$pdf_missing" ] || debian="$debian $(.venv/bin/python -m course.documents --apt-packages)"
if [ -n "$debian" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages:$debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $debian >/dev/null
  else
    echo "setup: install (as root): apt-get install$debian" >&2
    echo "setup: continuing; grading needs bubblewrap (or MATHS_OF_DL_UNSANDBOXED=1), the PDFs TeX, the browser tests chromium" >&2
  fi
fi

#!/usr/bin/env bash
# The test suite: set up, then pytest with the end-to-end tests spread over the cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
exec python -m pytest -n "${PYTEST_WORKERS:-auto}" --dist loadfile -q "$@"

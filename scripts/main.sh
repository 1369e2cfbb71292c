#!/usr/bin/env bash
# The main job: set up, build the course (source notebooks, student release, exercise sheets and
# worked-solution PDFs), grade the sample class with real nbgrader in course_run/, write feedback,
# grades and the class report, and print the grade table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
# source/, release/, the kernel manifest, exercise sheets and worked solutions, all from course/
# (exit 1: TeX missing, HTML written instead)
python -m autograder.cli build . || [ $? -eq 1 ]
MATHS_OF_DL_CELL_TIMEOUT=${MATHS_OF_DL_CELL_TIMEOUT:-20} python -m autograder.cli demo --course course_run

"""Build the five source notebooks from `course/nbXX_*.py` and the exercise catalogue.

    python -m course.build            # writes source/maths_of_dl/*.ipynb
"""
import sys
from pathlib import Path

import nbformat

from autograder.settings import ASSIGNMENT

from . import nb01_forward_pass, nb02_activations, nb03_network_output, nb04_gradient_descent, \
    nb05_backpropagation

ROOT = Path(__file__).resolve().parent.parent
MODULES = (nb01_forward_pass, nb02_activations, nb03_network_output, nb04_gradient_descent,
           nb05_backpropagation)
KERNEL = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
          "language_info": {"name": "python"}}


def notebook(module):
    nb = nbformat.v4.new_notebook(cells=module.cells(), metadata=KERNEL)
    for k, cell in enumerate(nb.cells):   # stable ids, so rebuilding changes nothing
        cell.id = f"{module.NAME[:2]}-{k:03d}"
    return nb


def build(root=ROOT):
    folder = Path(root) / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for module in MODULES:
        path = folder / f"{module.NAME}.ipynb"
        nbformat.write(notebook(module), path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in build(sys.argv[1] if len(sys.argv) > 1 else ROOT):
        print(f"wrote {p}")

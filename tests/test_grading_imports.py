"""autograder.grading's modules import without a cycle: the import graph of the package's modules
(every `import` and `from ... import` of their code, inside functions too) has none, and each module
imports alone in a fresh interpreter."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GRADING = REPO / "autograder" / "grading"
MODULES = sorted("autograder." + ".".join(p.relative_to(REPO / "autograder").with_suffix("").parts)
                 .removesuffix(".__init__") for p in GRADING.rglob("*.py"))


def _imports(module):
    """The modules of autograder.grading that `module`'s code imports."""
    path = REPO / Path(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[:len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module
            names = [prefix] + [f"{prefix}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in MODULES and name != module}
    return found


def _cycle(graph):
    """A cycle of `graph` ({module: modules it imports}) as a list, or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


def test_the_grading_modules_import_one_another_without_a_cycle():
    graph = {module: _imports(module) for module in MODULES}
    assert "autograder.grading.sandbox.provisioner" in MODULES
    assert "autograder.grading.zygote" in graph["autograder.grading.sandbox.provisioner"]
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_sandbox_package_imports_none_of_its_parts():
    """Importing one part (the zygote's Enclosure, say) never brings in the provisioner."""
    assert _imports("autograder.grading.sandbox") == set()


@pytest.mark.parametrize("module", MODULES)
def test_each_grading_module_imports_alone(module):
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, cwd=REPO)

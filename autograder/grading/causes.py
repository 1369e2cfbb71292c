"""Why a name is missing: the cause, not the cascade.

When a student's cell that assigns `sigmoid_1` raises (their `sigmoid` divides by zero) or is
stopped by the time limit, the test cell's record says only that `sigmoid_1` is missing, and
"not defined: run the cell where you define it" would send the student after the wrong thing.
Here, in the tutor's process, the executed notebook is read: each code cell's names are found with
`ast` (parsed, never run), and the last cell before the test cell that writes a missing name is
looked at.  If it raised, the verdict says which error and at which line of that cell; if the
grader's own Execute stopped it at the time limit (`kernels.Execute` notes the cell), it says so.  A name no
cell writes keeps the plain "not defined".
"""
import ast
import re

ANSI = re.compile(r"\x1b\[[0-9;]*m")
WHERE = re.compile(r"Cell In\[(\d+)\], line (\d+)(?:, in ([A-Za-z_]\w{0,79}))?")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,79}")
MAX_SOURCE = 200_000


def written_names(source):
    """The global names a cell's code assigns, defines or imports (empty if it does not parse)."""
    if not isinstance(source, str) or len(source) > MAX_SOURCE:
        return set()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _error(cell):
    """(error name, where: " at line 1 (in sigmoid, line 3 of In [2])" or "") of the cell's first
    error output, or None."""
    for output in cell.get("outputs", []):
        if output.get("output_type") != "error":
            continue
        name = IDENTIFIER.match(str(output.get("ename", "")))
        text = ANSI.sub("", "\n".join(map(str, output.get("traceback", []))))[:20_000]
        places = WHERE.findall(text)
        count = str(cell.get("execution_count"))
        own = [int(line) for run, line, _ in places if run == count]
        inner = [(run, line, f) for run, line, f in places if run != count and f]
        where = f" at line {own[0] if own else places[0][1]}" if places else ""
        if inner:
            run, line, function = inner[-1]
            where += f" (in {function}, line {line} of In [{run}])"
        return (name.group(0) if name else "an error"), where
    return None


def failed_definitions(nb, before, timed_out=None):
    """{name: why it is missing} for the names whose last defining cell before cell `before`
    raised an error or was stopped at the time limit.  `timed_out`: {cell index: seconds}, noted by
    the grader's Execute."""
    timed_out = timed_out or {}
    last = {}
    for index, cell in enumerate(nb.cells[:before]):
        if cell.get("cell_type") == "code":
            for name in written_names(cell.get("source", "")):
                last[name] = index
    causes = {}
    for name, index in last.items():
        cell = nb.cells[index]
        count = cell.get("execution_count")
        where = f" (In [{count}])" if isinstance(count, int) else ""
        if index in timed_out:
            causes[name] = (f"The cell that defines {name}{where} was stopped after "
                            f"{timed_out[index]:g} s, the time limit, so {name} was never set. "
                            "Make that cell finish sooner; this answer is judged once it does.")
            continue
        error = _error(cell)
        if error:
            ename, at = error
            causes[name] = (f"The cell that defines {name}{where} raised {ename}{at}, so {name} "
                            "was never set. Fix that error first; this answer is judged once "
                            "the cell runs.")
    return causes

"""The pieces a worked solution is made of (`Block`: Markdown, a code listing or a figure), and
reference code as paper shows it (`listing`, `reflow`: no line longer than a page holds)."""
import inspect
import io
import re
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Block:
    """One piece of a worked solution: "markdown" (text), "code" (a listing) or "figure"."""
    kind: str
    text: str = ""
    png: bytes = b""
    pdf: bytes = b""


def md(*parts):
    return Block("markdown", "\n".join(p.strip("\n") for p in parts))


def display(*lines):
    """Display maths: one equation per line, aligned at the first "=" of each when several."""
    if len(lines) == 1:
        return "$$\n" + lines[0] + "\n$$"
    body = " \\\\\n".join(line.replace("=", "&=", 1) for line in lines)
    return "$$\n\\begin{aligned}\n" + body + "\n\\end{aligned}\n$$"


def _literal(value):
    """Python source of a constant of the reference code: a number, a dict of numbers, an array."""
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r})"
    return repr(value)


def _dependencies(function):
    """(constants, functions) of the reference code that `function`'s source names (its body and
    its default values), beyond NumPy and the builtins."""
    import ast
    names = {node.id for node in ast.walk(ast.parse(inspect.getsource(function)))
             if isinstance(node, ast.Name)}
    constants, functions = {}, []
    for name in sorted(names - {function.__name__}):
        value = function.__globals__.get(name)
        if value is None or inspect.ismodule(value):
            continue
        if inspect.isfunction(value):
            functions.append(value)
        else:
            constants[name] = value
    return constants, functions


def listing(*functions):
    """The source code of reference functions, as the grader runs them, with whatever else of the
    reference code they name (helper functions, constants such as the starting weights), so the
    listing runs as printed in the notebook's kernel (which has NumPy as `np`)."""
    chosen, constants, k = list(functions), {}, 0
    while k < len(chosen):
        consts, helpers = _dependencies(chosen[k])
        constants.update(consts)
        chosen += [h for h in helpers if h not in chosen]
        k += 1
    head = "\n".join(f"{name} = {_literal(value)}" for name, value in constants.items())
    body = "\n\n".join(reflow(inspect.getsource(f).rstrip()) for f in chosen)
    return Block("code", (head + "\n\n" if head else "") + body)


WIDTH = 80   # the longest code line a PDF sets without wrapping it


def _wrap_docstrings(code, width):
    """Each triple-quoted string that stands alone (a docstring) re-filled to `width`, paragraph by
    paragraph (a paragraph ends at a blank line)."""
    import textwrap
    lines, out, k = code.splitlines(), [], 0
    while k < len(lines):
        line = lines[k]
        stripped = line.strip()
        end = k
        if stripped.startswith('"""') and stripped.count('"""') == 1:
            while end + 1 < len(lines) and '"""' not in lines[end + 1]:
                end += 1
            end += 1
        if stripped.startswith('"""') and any(len(d) > width for d in lines[k:end + 1]):
            indent = line[:len(line) - len(line.lstrip())]
            text = "\n".join(lines[k:end + 1]).strip()[3:-3]
            paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
            filled = [textwrap.fill(p, width - len(indent) - 3, break_on_hyphens=False,
                                    break_long_words=False) for p in paragraphs]
            body = "\n\n".join(filled)
            doc = ('"""' + body + '"""').splitlines()
            if len(indent + doc[-1]) > width:
                doc[-1:] = [doc[-1][:-3], '"""']
            out += [indent + d if d else "" for d in doc]
            k = end + 1
            continue
        out.append(line)
        k += 1
    return "\n".join(out)


def _split_line(line, width):
    """A code line cut to `width`: inside brackets, after a comma or before a `+ - @ *` between
    operands, the shallowest such place that fits (the last of those), the rest aligned after
    the innermost bracket open there; after each "; " (the next statement on its own line, at
    the line's indent); a comment re-filled.  A line with no such place is left as it is."""
    import textwrap
    indent = len(line) - len(line.lstrip())
    if line.lstrip().startswith("#"):
        if len(line) <= width:
            return [line]
        prefix = " " * indent + "# "
        return textwrap.wrap(line.lstrip()[1:].strip(), width, initial_indent=prefix,
                             subsequent_indent=prefix, break_on_hyphens=False)
    places, opens, quote = [], [], None     # (end of this piece, start of the next, bracket, ";")
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            opens.append(i)
        elif ch in ")]}" and opens:
            opens.pop()
        elif ch == "#":
            break
        elif ch == ";" and line[i + 1:i + 2] == " ":
            places.append((i, i + 2, None, True, 0))
        elif ch == "," and line[i + 1:i + 2] == " " and opens:
            places.append((i + 1, i + 2, opens[-1], False, len(opens)))
        elif ch in "+-@*" and line[i - 1:i] == " " and line[i + 1:i + 2] == " " and opens:
            places.append((i - 1, i, opens[-1], False, len(opens)))
    pieces, segments = [], [(0, 0)]          # each line's (start in `line`, its indent)

    def column(position):
        start, shift = max((s for s in segments if s[0] <= position), key=lambda s: s[0])
        return shift + position - start

    start, shift = 0, 0
    while True:
        fits = [p for p in places if p[1] > start and p[0] > start and shift + p[0] - start <= width]
        forced = [p for p in places if p[0] >= start and p[3]]
        if shift + len(line) - start <= width and not forced:
            break
        if forced and (not fits or forced[0][0] <= max(p[0] for p in fits)):
            chosen = forced[0]
        elif fits:
            shallowest = min(p[4] for p in fits)
            chosen = [p for p in fits if p[4] == shallowest][-1]
        else:
            break
        end, nxt, bracket, _, _ = chosen
        pieces.append(" " * shift + line[start:end].rstrip())
        shift = column(bracket) + 1 if bracket is not None else indent
        start = nxt
        while start < len(line) and line[start] == " ":
            start += 1
        segments.append((start, shift))
    pieces.append(" " * shift + line[start:])
    return pieces


def reflow(code, width=WIDTH):
    """Code laid out for paper: no line longer than `width` (docstrings re-filled, long lines cut
    after a comma inside brackets, statements after a semicolon on lines of their own)."""
    code = _wrap_docstrings(code, width)
    out = []
    for line in _logical_lines(code, width):
        out += _split_line(line, width)
    return "\n".join(out)


def _logical_lines(code, width):
    """The lines of `code` with each statement that runs over several lines inside brackets, one
    of them longer than `width`, joined into one (strings and comments left as they are)."""
    import tokenize
    lines = code.splitlines()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return lines
    joined, first = [], None
    spans = []                                   # (first row, last row) of bracketed statements
    for token in tokens:
        if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.STRING) \
                and token.start[0] != token.end[0]:
            first = None                         # a string over several lines: leave it
            continue
        if token.type == tokenize.OP and token.string in "([{" and first is None:
            first = token.start[0]
        if token.type == tokenize.NEWLINE:
            if first is not None and token.start[0] > first and \
                    any(len(line) > width for line in lines[first - 1:token.start[0]]):
                spans.append((first, token.start[0]))
            first = None
    row = 1
    for start, end in spans:
        joined += lines[row - 1:start - 1]
        text = lines[start - 1]
        for more in lines[start:end]:
            text += ("" if text.endswith(("(", "[", "{")) else " ") + more.strip()
        joined.append(text)
        row = end + 1
    return joined + lines[row - 1:]

"""Static signs of tampering: what a student's code cells try to do to the grader.

`scan_notebook(nb, skip=())` reads the source of every code cell of a notebook (except the cell
indices in `skip`, the graded test cells) and returns `Finding`s: (cell index, line, reason,
detail).  Nothing is executed: IPython syntax (magics, `!shell`) is first rewritten to plain Python
by IPython's own text transformer, then the code is read with `ast`.  A cell that still does not
parse is a syntax error the kernel could not run either: it is skipped, not flagged.

What counts as a sign (the `reason` of a finding):

    module-attribute    assigning or deleting an attribute or an entry of numpy, sympy, autograder,
                        builtins, sys, os, IPython, ... or of something imported from them
                        (np.allclose = ..., Tolerance.close = ..., CATALOGUE["F4"] = ...,
                        sys.modules[...] = ..., get_ipython().showtraceback = ...), or calling a
                        mutating method on them (sys.modules.update(...), list.append on an
                        IPython hook list)
    dynamic-attribute   setattr/delattr/object.__setattr__, writes through __dict__, vars(),
                        globals() or locals()
    comparison-override a class that defines __eq__, __array__, __array_function__, __float__,
                        __bool__ and the like, subclasses a number or array type, or is made with
                        type(name, bases, dict)
    grader-name         rebinding or deleting the names the test cells use: record, check, np,
                        get_ipython, and the modules the notebook imported
    tutor-side          importing the tutor's side (autograder, course, nbgrader, nbformat) or
                        naming the grader's data or code in text (a path to autograder/,
                        source/, kernel/, the gradebook, the manifest or the answers record)
    ipython-hook        IPython's machinery: showtraceback, displayhook, display_pub, events,
                        input/AST transformers, custom exception handlers, clear_output, run_cell
    interpreter-state   sys.modules, builtins, __builtins__, frames, code objects, sys.settrace,
                        gc, ctypes, importlib, __import__
    dynamic-code        exec, eval, compile, and decoding of hidden code (base64, marshal, pickle)
    early-exit          sys.exit, os._exit, exit(), quit(), os.kill, signals, threads, raising
                        SystemExit or KeyboardInterrupt
    file-system         writing files, shells and subprocesses, databases (the gradebook), the
                        network
    magic               an IPython magic other than the harmless ones (matplotlib, time, timeit...)
    unscannable         code that parses but is nested too deeply to be read

A finding is a sign, not a proof: the grader (`marking.py`) decides the score whatever the
scan says, and the scan only sends the submission to a human.  It is written so that the course's
own notebooks and ordinary student work (NumPy, SymPy, matplotlib, loops, functions, classes with
ordinary methods) give no finding.
"""
import ast
from dataclasses import dataclass

try:   # imported now, with the grader, not from disk after a student's kernel has run
    from IPython.core.inputtransformer2 import TransformerManager
except ImportError:   # pragma: no cover (IPython comes with nbgrader)
    TransformerManager = None

PROTECTED_MODULES = ("numpy", "sympy", "autograder", "mdl_kernel", "builtins", "sys", "os", "IPython",
                     "ipykernel", "jupyter_client", "traitlets", "nbformat", "nbgrader", "math",
                     "gc", "importlib", "types", "operator", "functools", "warnings", "json",
                     "mpmath", "scipy")
# names a notebook may use without importing them, and what they refer to
DEFAULT_ROOTS = {"np": "numpy", "numpy": "numpy", "sp": "sympy", "sympy": "sympy",
                 "autograder": "autograder", "mdl_kernel": "mdl_kernel", "builtins": "builtins", "__builtins__": "builtins",
                 "sys": "sys", "os": "os", "IPython": "IPython", "get_ipython": "IPython",
                 "check": "mdl_kernel", "record": "mdl_kernel", "display": "IPython"}
GRADER_NAMES = {"record", "check", "get_ipython", "__builtins__", "__import__"}
# modules whose attributes are machinery, not data: a name taken from them is protected too
TAINTING = {"autograder", "mdl_kernel", "builtins", "sys", "os", "IPython", "ipykernel", "gc", "importlib",
            "types", "get_ipython"}

DUNDERS = {"__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__len__",
           "__float__", "__int__", "__index__", "__complex__", "__round__", "__abs__",
           "__array__", "__array_ufunc__", "__array_function__", "__array_priority__",
           "__array_interface__", "__array_struct__", "__array_wrap__", "__array_finalize__",
           "__array_prepare__", "__hash__", "__instancecheck__", "__subclasscheck__",
           "__class__", "__getattribute__", "__getattr__", "__sympy__", "_sympy_",
           "__init_subclass__", "__class_getitem__", "__set_name__", "__del__"}
NUMBER_TYPES = {"int", "float", "complex", "bool", "str", "list", "tuple", "dict", "ndarray",
                "generic", "number", "floating", "integer", "float64", "float32", "int64",
                "matrix", "Basic", "Expr", "Symbol", "Float", "Integer", "Rational", "type",
                "ModuleType", "Verdict", "ItemVerdict", "Tolerance", "Comparison", "Exercise",
                "Item", "Case"}

IPYTHON_ATTRIBUTES = {"showtraceback", "_showtraceback", "showsyntaxerror", "showindentationerror",
                      "displayhook", "display_pub", "display_formatter", "events",
                      "input_transformers_cleanup", "input_transformers_post",
                      "input_transformer_manager", "ast_transformers", "set_custom_exc",
                      "custom_exceptions", "CustomTB", "InteractiveTB", "SyntaxTB", "run_cell",
                      "run_cell_async", "should_run_async", "run_ast_nodes", "run_code",
                      "excepthook", "user_ns", "user_global_ns", "iopub_socket", "comm_manager",
                      "register_magic_function", "register_magics", "ex", "ev", "ask_exit",
                      "exit_now", "pre_run_cell", "post_run_cell", "pre_execute",
                      "post_execute", "write_format_data", "publish"}
IPYTHON_NAMES = {"clear_output", "InteractiveShell", "ZMQInteractiveShell", "DisplayHook",
                 "ZMQShellDisplayHook", "DisplayPublisher", "ZMQDisplayPublisher",
                 "publish_display_data", "update_display", "Javascript"}
INTERPRETER_ATTRIBUTES = {"modules", "settrace", "setprofile", "_getframe", "f_globals",
                          "f_locals", "f_back", "f_builtins", "f_code", "tb_frame", "gi_frame",
                          "cr_frame", "__globals__", "__code__", "__closure__", "__defaults__",
                          "__kwdefaults__", "__builtins__", "__subclasses__", "__bases__",
                          "__mro__", "__dict__", "addaudithook", "setrecursionlimit",
                          "meta_path", "path_hooks", "displayhook"}
MUTATORS = {"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__",
            "append", "extend", "insert", "remove", "register", "unregister", "add", "discard"}
SAFE_MAGICS = {"matplotlib", "time", "timeit", "precision", "pprint", "who", "whos", "who_ls",
               "pinfo", "pinfo2", "pdef", "pdoc", "psource", "page", "history", "lsmagic",
               "magic", "xmode", "pwd", "automagic", "doctest_mode", "colors", "notebook"}
CODE_MAGICS = {"time", "timeit", "capture", "prun"}   # magics whose argument is Python code

IMPORTS = {  # module (or its top package) -> reason
    "ctypes": "interpreter-state", "gc": "interpreter-state", "importlib": "interpreter-state",
    "inspect": "interpreter-state", "_ctypes": "interpreter-state", "cffi": "interpreter-state",
    "code": "dynamic-code", "codeop": "dynamic-code", "marshal": "dynamic-code",
    "pickle": "dynamic-code", "dill": "dynamic-code", "cloudpickle": "dynamic-code",
    "base64": "dynamic-code", "zlib": "dynamic-code", "codecs": "dynamic-code",
    "builtins": "interpreter-state", "__builtin__": "interpreter-state",
    "signal": "early-exit", "threading": "early-exit", "_thread": "early-exit",
    "multiprocessing": "early-exit", "atexit": "early-exit", "faulthandler": "early-exit",
    "concurrent": "early-exit", "sqlite3": "file-system", "subprocess": "file-system",
    "shutil": "file-system", "socket": "file-system", "urllib": "file-system",
    "http": "file-system", "requests": "file-system", "pty": "file-system",
    "sqlalchemy": "file-system", "nbgrader": "tutor-side", "nbformat": "tutor-side",
    "autograder": "tutor-side", "course": "tutor-side",
    "nbclient": "ipython-hook", "ipykernel": "ipython-hook", "jupyter_client": "ipython-hook",
    "zmq": "ipython-hook", "IPython.core": "ipython-hook", "IPython.terminal": "ipython-hook",
    "IPython.utils": "ipython-hook",
}
CALLS = {  # dotted name of a function -> reason
    "exec": "dynamic-code", "eval": "dynamic-code", "compile": "dynamic-code",
    "__import__": "interpreter-state", "breakpoint": "interpreter-state",
    "setattr": "dynamic-attribute", "delattr": "dynamic-attribute",
    "exit": "early-exit", "quit": "early-exit", "sys.exit": "early-exit",
    "os._exit": "early-exit", "os.kill": "early-exit", "os.killpg": "early-exit",
    "os.abort": "early-exit", "os.fork": "early-exit", "os.system": "file-system",
    "os.popen": "file-system", "os.remove": "file-system", "os.unlink": "file-system",
    "os.rename": "file-system", "os.replace": "file-system", "os.rmdir": "file-system",
    "os.removedirs": "file-system", "os.chmod": "file-system", "os.chown": "file-system",
    "os.symlink": "file-system", "os.link": "file-system", "os.truncate": "file-system",
    "os.open": "file-system", "os.write": "file-system", "os.chdir": "file-system",
    "os.putenv": "file-system", "sys.settrace": "interpreter-state",
    "sys.setprofile": "interpreter-state", "sys._getframe": "interpreter-state",
    "sys.addaudithook": "interpreter-state", "sys.setrecursionlimit": "interpreter-state",
    "types.ModuleType": "interpreter-state", "types.FunctionType": "interpreter-state",
    "types.CodeType": "interpreter-state", "types.MethodType": "interpreter-state",
}
CALL_PREFIXES = {"os.exec": "early-exit", "os.spawn": "file-system",
                 "os.posix_spawn": "file-system",
                 "subprocess.": "file-system", "shutil.": "file-system", "signal.": "early-exit",
                 "threading.": "early-exit", "importlib.": "interpreter-state",
                 "ctypes.": "interpreter-state", "gc.": "interpreter-state"}
PATH_WRITERS = {"write_text", "write_bytes", "unlink", "rmdir", "touch", "chmod", "symlink_to",
                "hardlink_to", "rename", "replace"}


def _text_method(call):
    """`"...".replace(a, b)`: str.replace on text (it takes two arguments, Path.replace one)."""
    return call.func.attr == "replace" and (
        isinstance(call.func.value, ast.Constant) or len(call.args) + len(call.keywords) >= 2)


EXIT_EXCEPTIONS = {"SystemExit", "KeyboardInterrupt", "GeneratorExit"}
SUSPICIOUS_TEXT = {  # words in a string -> reason
    **dict.fromkeys(("gradebook", ".db", "sqlite", "autograded/", "submitted/", "nbgrader"),
                    "file-system"),
    **dict.fromkeys(("showtraceback", "maths-of-dl.answers"), "ipython-hook"),
    **dict.fromkeys(("autograder", "manifest.json", "source/", "mdl_kernel/", "slow_references"),
                    "tutor-side")}


@dataclass(frozen=True)
class Finding:
    cell: int           # index of the cell in the notebook
    line: int           # line in the cell (of IPython's rewriting of it, for magics)
    reason: str         # one of the reasons above
    detail: str         # what was seen, for the human who reviews the submission

def _dotted(node):
    """'a.b.c' for a Name/Attribute chain ('get_ipython' for get_ipython()), '' otherwise."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id == "get_ipython":
        parts.append("get_ipython")
    elif isinstance(node, ast.Name):
        parts.append(node.id)
    else:
        return ""
    return ".".join(reversed(parts))


def _root(node):
    """The innermost expression of an attribute/subscript/call chain."""
    while True:
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id
                                                 in ("get_ipython", "globals", "vars", "locals")):
            node = node.func
        else:
            return node


class _Scanner(ast.NodeVisitor):
    def __init__(self, state, cell, findings, transform):
        self.state = state            # shared by the cells of a notebook
        self.roots = state.roots      # name -> protected module (or object) it refers to
        self.cell = cell
        self.findings = findings
        self.transform = transform

    # ---------------------------------------------------------------- helpers
    def flag(self, node, reason, detail):
        self.findings.append(Finding(self.cell, getattr(node, "lineno", 0), reason, detail[:200]))

    def protected(self, node):
        """Does the expression refer to (something inside) a protected module or the shell?"""
        root = _root(node)
        if isinstance(root, ast.Name):
            return root.id in self.roots
        if isinstance(root, ast.Call) and isinstance(root.func, ast.Name):
            return root.func.id in ("get_ipython", "globals", "vars", "locals")
        return False

    def text(self, node):
        try:
            return ast.unparse(node)
        except Exception:   # noqa: BLE001 (unparse of a strange tree: the detail is cosmetic)
            return type(node).__name__

    def _bind_import(self, node, name, module, legit, is_module=False):
        if name in GRADER_NAMES and not legit:
            self.flag(node, "grader-name", f"import binds the name {name!r} to {module}")
        elif self._rebinds(name) and not legit:
            self.flag(node, "grader-name", f"import rebinds {name!r} to {module}")
        if module.split(".")[0] in PROTECTED_MODULES:
            self.roots[name] = module
            if is_module:
                self.state.modules.add(name)
        else:
            self.roots.pop(name, None)

    def _rebinds(self, name):
        """Is `name` one the grader or the notebook's own imports rely on?"""
        return name in GRADER_NAMES or name in ("np", "numpy") or name in self.state.modules

    def _import_reason(self, node, module):
        for key, reason in IMPORTS.items():
            if module == key or module.startswith(key + "."):
                self.flag(node, reason, f"imports {module}")
                return

    # ---------------------------------------------------------------- imports
    def visit_Import(self, node):
        for alias in node.names:
            self._import_reason(node, alias.name)
            name = alias.asname or alias.name.split(".")[0]
            module = alias.name if alias.asname else name
            legit = self.roots.get(name) == module or (name == "np" and module == "numpy")
            self._bind_import(node, name, module, legit, is_module=True)

    def visit_ImportFrom(self, node):
        module = "." * node.level + (node.module or "")
        self._import_reason(node, module)
        for alias in node.names:
            self._import_reason(node, f"{module}.{alias.name}")
            name = alias.asname or alias.name
            if alias.name == "*":
                continue
            legit = module == "mdl_kernel" and name == alias.name and name in ("record", "check")
            legit = legit or (module == "mdl_kernel.figures" and name == alias.name ==
                              "draw_network")
            legit = legit or (module == "IPython.display" and name == alias.name == "display")
            self._bind_import(node, name, f"{module}.{alias.name}", legit)
            if alias.name in IPYTHON_NAMES:
                self.flag(node, "ipython-hook", f"imports {alias.name} from {module}")

    # ---------------------------------------------------------------- bindings
    def _target(self, target, node, deleting=False):
        verb = "deletes" if deleting else "assigns"
        if isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._target(t, node, deleting)
        elif isinstance(target, ast.Starred):
            self._target(target.value, node, deleting)
        elif isinstance(target, ast.Name):
            if self._rebinds(target.id):
                self.flag(node, "grader-name", f"{verb} the name {target.id!r}")
        elif isinstance(target, ast.Attribute):
            if target.attr in DUNDERS or (target.attr.startswith("__") and
                                          target.attr.endswith("__")):
                self.flag(node, "comparison-override", f"{verb} {self.text(target)}")
            elif self.protected(target.value):
                reason = "ipython-hook" if target.attr in IPYTHON_ATTRIBUTES else \
                    "interpreter-state" if target.attr in INTERPRETER_ATTRIBUTES else \
                    "module-attribute"
                self.flag(node, reason, f"{verb} {self.text(target)}")
        elif isinstance(target, ast.Subscript):
            container = target.value
            name = _dotted(container)
            if name.endswith("__dict__") or name.endswith("modules") or \
                    (isinstance(container, ast.Call) and isinstance(container.func, ast.Name)
                     and container.func.id in ("globals", "vars", "locals")):
                reason = "interpreter-state" if name.endswith("modules") else "dynamic-attribute"
                self.flag(node, reason, f"{verb} {self.text(target)}")
            elif self.protected(container) and name not in ("os.environ", "environ"):
                self.flag(node, "module-attribute", f"{verb} {self.text(target)}")

    def _taint(self, targets, value):
        """`x = <part of the grader, sys, builtins, IPython...>` (no call in between) makes x
        protected too (NumPy and SymPy values are data: `z = np.r_[...]` does not)."""
        if value is None or not self.protected(value):
            return
        root = _root(value)
        if isinstance(root, ast.Name) and \
                self.roots.get(root.id, "").split(".")[0] not in TAINTING:
            return
        chain = value
        while isinstance(chain, (ast.Attribute, ast.Subscript)):
            chain = chain.value
        if isinstance(chain, ast.Call) and not (isinstance(chain.func, ast.Name) and
                                                chain.func.id == "get_ipython"):
            return
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    self.roots.setdefault(name.id, "derived")
                    self.state.derived.add(name.id)

    def visit_Assign(self, node):
        for target in node.targets:
            self._target(target, node)
        self._taint(node.targets, node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._target(node.target, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._target(node.target, node)
        self._taint([node.target], node.value)
        self.generic_visit(node)

    def visit_NamedExpr(self, node):
        self._target(node.target, node)
        self.generic_visit(node)

    def visit_Delete(self, node):
        for target in node.targets:
            self._target(target, node, deleting=True)
        self.generic_visit(node)

    def visit_For(self, node):
        self._target(node.target, node)
        self._taint([node.target], node.iter)
        self.generic_visit(node)

    visit_AsyncFor = visit_For

    def visit_With(self, node):
        for item in node.items:
            if item.optional_vars is not None:
                self._target(item.optional_vars, node)
        self.generic_visit(node)

    def visit_Global(self, node):
        for name in node.names:
            if name in GRADER_NAMES:
                self.flag(node, "grader-name", f"declares {name!r} global")

    def _definition(self, node, kind):
        if self._rebinds(node.name):
            self.flag(node, "grader-name", f"defines a {kind} called {node.name!r}")

    def visit_FunctionDef(self, node):
        self._definition(node, "function")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self._definition(node, "class")
        for base in node.bases:
            name = _dotted(base).split(".")[-1]
            if name in NUMBER_TYPES or self.protected(base):
                self.flag(node, "comparison-override",
                          f"class {node.name} subclasses {self.text(base)}")
        for keyword in node.keywords:
            self.flag(node, "comparison-override",
                      f"class {node.name} sets {keyword.arg or '**'}= in its bases")
        for statement in node.body:
            names = []
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = [statement.name]
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
                targets = statement.targets if isinstance(statement, ast.Assign) \
                    else [statement.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
            for name in names:
                if name in DUNDERS:
                    self.flag(statement, "comparison-override", f"class {node.name} defines {name}")
        self.generic_visit(node)

    # ---------------------------------------------------------------- expressions
    def visit_Attribute(self, node):
        if node.attr in IPYTHON_ATTRIBUTES and (self.protected(node.value) or node.attr in
                                                ("showtraceback", "_showtraceback",
                                                 "ast_transformers", "input_transformers_cleanup",
                                                 "input_transformers_post", "set_custom_exc",
                                                 "display_pub", "displayhook")):
            self.flag(node, "ipython-hook", f"uses {self.text(node)}")
        elif node.attr in INTERPRETER_ATTRIBUTES and node.attr != "__dict__" and \
                (node.attr.startswith("_") or node.attr.startswith("f_") or
                 self.protected(node.value)) and node.attr != "displayhook":
            self.flag(node, "interpreter-state", f"uses {self.text(node)}")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in IPYTHON_NAMES:
            self.flag(node, "ipython-hook", f"uses {node.id}")
        elif node.id == "__builtins__":
            self.flag(node, "interpreter-state", "uses __builtins__")
        self.generic_visit(node)

    def visit_Raise(self, node):
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if exc is not None and _dotted(exc).split(".")[-1] in EXIT_EXCEPTIONS:
            self.flag(node, "early-exit", f"raises {_dotted(exc)}")
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            lowered = node.value.lower()
            for word in SUSPICIOUS_TEXT:
                if word in lowered:
                    self.flag(node, SUSPICIOUS_TEXT[word], f"mentions {word!r} in a string")
                    break

    def visit_Call(self, node):
        name = _dotted(node.func)
        resolved = name
        if name:
            head, _, rest = name.partition(".")
            module = self.roots.get(head)
            if module and head not in self.state.derived:
                resolved = module + ("." + rest if rest else "")
        reason = CALLS.get(name) or CALLS.get(resolved)
        if reason is None:
            for prefix, why in CALL_PREFIXES.items():
                if resolved.startswith(prefix) or name.startswith(prefix):
                    reason = why
                    break
        if reason:
            self.flag(node, reason, f"calls {name or self.text(node.func)}")
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in ("__setattr__", "__delattr__"):
                self.flag(node, "dynamic-attribute", f"calls {self.text(func)}")
            elif func.attr in MUTATORS and (self.protected(func.value) or
                                            _dotted(func.value).endswith("__dict__")):
                reason = "ipython-hook" if any(isinstance(n, ast.Attribute) and n.attr in
                                               IPYTHON_ATTRIBUTES for n in ast.walk(func.value)) \
                    else "module-attribute"
                self.flag(node, reason, f"calls {self.text(func)}")
            elif func.attr in PATH_WRITERS and not self.protected(func.value) \
                    and not _text_method(node):
                self.flag(node, "file-system", f"calls .{func.attr}(...)")
            elif func.attr in ("run_line_magic", "run_cell_magic", "system", "getoutput"):
                self._magic(node, func.attr)
        elif isinstance(func, ast.Name):
            if func.id == "type" and len(node.args) == 3:
                self.flag(node, "comparison-override",
                          "creates a class with type(name, bases, dict)")
            elif func.id == "open":
                self._open(node)
        self.generic_visit(node)

    def _open(self, node):
        mode = node.args[1] if len(node.args) > 1 else next(
            (k.value for k in node.keywords if k.arg == "mode"), None)
        if mode is None:
            return
        if not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)) or \
                any(c in mode.value for c in "wax+"):
            self.flag(node, "file-system", f"opens a file for writing ({self.text(mode)})")

    def _magic(self, node, kind):
        if kind in ("system", "getoutput"):
            self.flag(node, "file-system", "runs a shell command (!...)")
            return
        args = node.args
        if not args or not isinstance(args[0], ast.Constant) or not isinstance(args[0].value, str):
            self.flag(node, "magic", f"calls {kind} with a computed magic name")
            return
        magic = args[0].value
        line = args[1].value if len(args) > 1 and isinstance(args[1], ast.Constant) else ""
        if magic == "config" and isinstance(line, str) and line.startswith("InlineBackend."):
            return   # %config InlineBackend.figure_format = 'retina': plots only
        if magic not in SAFE_MAGICS and magic not in CODE_MAGICS:
            self.flag(node, "magic", f"uses the magic %{magic}")
        if magic in CODE_MAGICS:   # the magic's argument or body is Python code: scan it too
            for arg in args[1:]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    for finding in self.transform(arg.value, self.cell, self.state):
                        self.findings.append(Finding(self.cell, node.lineno, finding.reason,
                                                     finding.detail))


def _python(source):
    """IPython syntax rewritten to plain Python (text only; nothing is run)."""
    if TransformerManager is None:   # without IPython: drop magics and shell lines
        return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                         for line in source.splitlines())
    try:
        return TransformerManager().transform_cell(source)
    except Exception:   # noqa: BLE001 (a cell IPython cannot rewrite is read as it is)
        return source


class _State:
    """What the cells scanned so far bound: protected names, imported modules, derived names."""

    def __init__(self):
        self.roots = dict(DEFAULT_ROOTS)
        self.modules = set()
        self.derived = set()


def scan_source(source, cell=0, state=None):
    """The findings of one cell's source; `state` carries the names bound by earlier cells."""
    state = _State() if state is None else state
    findings = []
    try:
        tree = ast.parse(_python(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return findings
    try:
        _Scanner(state, cell, findings, scan_source).visit(tree)
    except RecursionError:   # parses, but too deep to walk: no honest cell looks like that
        findings.append(Finding(cell, 0, "unscannable", "code nested too deeply to be read"))
    return findings


def scan_notebook(nb, skip=()):
    """The findings of all code cells of a notebook (nbformat node or dict) but those in `skip`."""
    state = _State()
    findings = []
    for index, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "code" or index in skip:
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        findings.extend(scan_source(source, index, state))
    unique = {}
    for f in findings:
        unique.setdefault((f.cell, f.line, f.reason, f.detail), f)
    return list(unique.values())

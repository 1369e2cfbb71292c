"""What a warm grader's student is spared: the same scores and pages for less of the tutor's CPU.

Each shortcut is in force only inside `applied(db_url)`, around nbgrader's autograde and feedback
in the warm grader's forked child (`grading.warm.grade`), and touches nothing else of the
process; `MATHS_OF_DL_SPEEDUPS=0` turns them all off (tests/test_speedups.py grades the same
student both ways and compares the scores, the autograded notebooks and the feedback pages).

* **One engine for the private gradebook.** nbgrader opens the gradebook about 40 times for one
  student (every preprocessor makes its own `Gradebook`, each a new SQLAlchemy engine, whose
  SQL is compiled again).  Here every `Gradebook` of the grading's own URL gets the same engine,
  so each statement is compiled once; and its SQLite connections do not wait for the disk at
  each commit (`PRAGMA synchronous=OFF`: the file is the private gradebook of one grading,
  thrown away after its scores are read).  Any other URL, and every engine made outside the
  grading, is made as nbgrader makes it.
* **nbgrader's metadata schema checked once.** nbgrader checks every cell's metadata with
  `jsonschema.validate`, which first checks the schema itself against its metaschema: the same
  schema for every cell of every notebook.  Inside the grading, nbgrader's metadata validator
  (`nbgrader.nbgraderformat.common`) uses a validator kept per schema instead, as jsonschema's
  documentation advises for many instances; an invalid instance raises the same error
  (`best_match`), an invalid schema the same SchemaError.  Every other caller of
  `jsonschema.validate` gets jsonschema's own.
* **Each notebook checked against nbformat's schema once per export.**  nbconvert checks the
  whole notebook after every one of its preprocessors (more than a dozen); with its own
  `Exporter.optimistic_validation` it checks once, after the last (`configured`).  Checking
  changes nothing it checks, and a notebook invalid at the end is refused all the same.
* **The release's pieces of a page rendered once.**  A feedback page's Markdown cells (those
  without attachments: nbconvert reads no file for them) and its highlighted code are functions
  of their text alone, and most are the release's own (the instructions, the test cells).  The
  warm grader renders the release's notebooks once, before it forks the next students
  (`remember_release`: the instructor's notebooks, which the class's tasks carry), and each
  child looks a piece up by its exact text (`remembered`) before rendering it; anything else is
  rendered as before.  A page is the same string either way.
* **The warm-up left out of the garbage collector.**  What the warm-up made (nbgrader, SymPy,
  every reference) lives as long as the warm grader, yet each full collection in a student's
  child would walk all of it, and in a forked child that walk also writes to every page it
  touches, so the kernel copies them.  `prepare` moves it all to the collector's permanent
  generation (`gc.freeze`) before any child is forked; turned off, the child gives it back
  (`gc.unfreeze`) before grading.  The kernels' warm parent does the same for its imports
  (`mdl_kernel.zygote`; `KERNELS_COLLECT_ALL` is its flag for "off").
"""
import json
import os
from contextlib import ExitStack, contextmanager
from pathlib import Path

VARIABLE = "MATHS_OF_DL_SPEEDUPS"     # "0": every shortcut off


def enabled():
    return os.environ.get(VARIABLE, "1") != "0"


@contextmanager
def applied(db_url):
    """The shortcuts, for one grading whose private gradebook is at `db_url`."""
    if not enabled():
        import gc
        gc.unfreeze()
        yield
        return
    with ExitStack() as stack:
        stack.enter_context(private_gradebook(db_url))
        stack.enter_context(schemas_checked_once())
        stack.enter_context(highlights_remembered())
        yield


KERNELS_COLLECT_ALL = "--collect-all"   # mdl_kernel.zygote's flag: its imports not frozen


def prepare():
    """What the shortcuts keep, made before any student is forked (`grading.warm.warm_up`):
    nbgrader's metadata schemas' validators; then everything made so far frozen (`gc.freeze`)."""
    import gc

    from nbgrader.nbgraderformat import MetadataValidator
    _kept_validator(MetadataValidator().schema, None, (), {})
    gc.collect()
    gc.freeze()


def configured(config):
    """`config` (nbgrader's, for the grading's converters) with the shortcuts' settings."""
    if enabled():
        config.Exporter.optimistic_validation = True
    return config


def kernel_flags():
    """The kernels' warm parent's command-line flags for the shortcuts' state."""
    return [] if enabled() else [KERNELS_COLLECT_ALL]


# ---------------------------------------------------------------- the private gradebook
def _no_sync(connection, _record):
    import sqlite3
    if isinstance(connection, sqlite3.Connection):
        connection.execute("PRAGMA synchronous=OFF")


@contextmanager
def private_gradebook(db_url):
    """nbgrader's Gradebooks of `db_url` share one engine, which skips waiting for the disk."""
    import nbgrader.api
    from sqlalchemy import event
    original = nbgrader.api.create_engine
    engines = {}

    def create_engine(url, *args, **kwargs):
        if str(url) != db_url:
            return original(url, *args, **kwargs)
        if url not in engines:
            engines[url] = original(url, *args, **kwargs)
            event.listen(engines[url], "connect", _no_sync)
        return engines[url]

    nbgrader.api.create_engine = create_engine
    try:
        yield
    finally:
        nbgrader.api.create_engine = original
        for engine in engines.values():
            engine.dispose()


# ---------------------------------------------------------------- nbgrader's schema checks
_validators = {}


def _kept_validator(schema, cls, args, kwargs):
    from jsonschema import validators
    key = (json.dumps(schema, sort_keys=True, default=repr), cls, repr(args),
           repr(sorted(kwargs.items())))
    if key not in _validators:
        kind = cls or validators.validator_for(schema)
        kind.check_schema(schema)
        _validators[key] = kind(schema, *args, **kwargs)
    return _validators[key]


def validate(instance, schema, cls=None, *args, **kwargs):
    """`jsonschema.validate`, with the schema checked once and its validator kept."""
    from jsonschema import exceptions
    error = exceptions.best_match(_kept_validator(schema, cls, args, kwargs).iter_errors(instance))
    if error is not None:
        raise error


class _Jsonschema:
    """jsonschema as nbgrader's metadata validator sees it inside the grading."""

    def __init__(self, module):
        self._module = module
        self.validate = validate

    def __getattr__(self, name):
        return getattr(self._module, name)


@contextmanager
def schemas_checked_once():
    """nbgrader's metadata validator (and only it) checks each schema once."""
    from nbgrader.nbgraderformat import common
    original = common.jsonschema
    common.jsonschema = _Jsonschema(original)
    try:
        yield
    finally:
        common.jsonschema = original


# ---------------------------------------------------------------- the release's pieces of a page
REMEMBERED_MAX = 4096        # pieces kept (the lab's release has about 150)
RELEASE_FILE = "release.json"   # in a task's course folder: the release's notebooks' texts
_remembered = {}


def remembered(kind, key, render):
    """What `render()` returns for the piece `key` (hashable, exact) of `kind`, from the pieces
    kept, else rendered (and kept while there is room).  With the shortcuts off: `render()`."""
    if not enabled():
        return render()
    try:
        return _remembered[kind, key]
    except KeyError:
        pass
    html = render()
    if len(_remembered) < REMEMBERED_MAX:
        _remembered[kind, key] = html
    return html


@contextmanager
def highlights_remembered():
    """nbconvert's code highlighting (`_pygments_highlight`) looked up in the pieces kept: the key
    is everything its output depends on (the source, the language and the cell's magics
    language, the formatter's class and options, the lexer's options)."""
    from nbconvert.filters import highlight
    original = highlight._pygments_highlight

    def kept(source, output_formatter, language="ipython", metadata=None, **lexer_options):
        magics = repr((metadata or {}).get("magics_language"))
        key = (source, language, magics, type(output_formatter).__qualname__,
               repr(sorted(output_formatter.options.items())), repr(sorted(lexer_options.items())))
        return remembered("highlight", key, lambda: original(
            source, output_formatter, language, metadata, **lexer_options))

    highlight._pygments_highlight = kept
    try:
        yield
    finally:
        highlight._pygments_highlight = original


def remember_release(path):
    """Render the release's notebooks (`path`: a JSON list of their texts, as the class's tasks
    carry them) as feedback pages, keeping their pieces; in the warm grader, before it forks the
    next students.  A missing or unreadable file is skipped."""
    if not enabled():
        return
    try:
        texts = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return
    import nbformat

    from ..feedback import FeedbackExporter
    exporter = FeedbackExporter()
    with highlights_remembered():
        for text in texts:
            try:
                exporter.from_notebook_node(nbformat.reads(text, as_version=4))
            except Exception:            # noqa: BLE001 (a piece not kept is rendered later)
                continue

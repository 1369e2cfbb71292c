"""Nothing from a submission is active in a browser: the autograded notebook, sanitised.

Formgrader, the feedback pages and anything else that shows an autograded notebook render it
with nbconvert, which puts a cell's outputs and its markdown's raw HTML into the page as they
are, in the tutor's Jupyter session.  `SanitizeNotebook` (in `c.Autograde.autograde_preprocessors`,
after the grader, so both `nbgrader autograde` and `grade-class` write only the sanitised
notebook) keeps what is passive and drops or cleans the rest:

* outputs: plain text, text/latex (shown as escaped text that MathJax typesets), PNG and JPEG
  images whose bytes are a PNG or JPEG (a plot), and the course's own answer record (JSON that
  no page renders) are kept; text/html and text/markdown are cleaned with `bleach` (an
  allow-list of passive tags and attributes: no script, no event handler, no style, links only
  to http, https, mailto or the page itself, images only from PNG or JPEG data); SVG,
  JavaScript, widgets and every other type are removed, with a line saying so where nothing
  else is left.  Output metadata keeps only an image's numeric width and height (nbconvert
  writes them into an unquoted attribute); other output types (streams, errors) are text that
  nbconvert escapes.
* markdown cells: the cell is rendered as nbconvert renders it; a cell with raw HTML, a link
  or image to another scheme, or a mermaid diagram is replaced by that rendering cleaned (the
  maths is text in it, which MathJax still typesets); any other cell is left as the student
  wrote it.  Attachments other than PNG or JPEG images are removed.
* raw cells: cleaned; cell ids outside nbformat's character set, tags and nbgrader grade ids
  outside the safe set (formgrader writes a grade id into its page unescaped), non-integer
  execution counts and the notebook's widget state and title are removed or replaced.

Whatever is removed is flagged for a human (`active-content`, with the cell and what it was).
"""
import base64
import binascii
from html import escape
from pathlib import Path
from urllib.parse import quote, urlsplit

import bleach
from bleach.css_sanitizer import CSSSanitizer
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbformat.v4 import new_output
from nbformat.v4.nbbase import random_cell_id
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from ..settings import COURSE_KEY
from .flags import FLAGS_FILE, amend_flags
from .intake import PENDING
from .records import RECORD_MIME

IMAGES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
TEXT = {"text/plain", "text/latex", RECORD_MIME}
CLEANED = {"text/html", "text/markdown"}
TAGS = frozenset(bleach.ALLOWED_TAGS | {
    "p", "div", "span", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "sub", "sup",
    "del", "s", "u", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "dl",
    "dt", "dd", "img", "small", "mark", "kbd", "samp", "var"})
PROTOCOLS = frozenset({"http", "https", "mailto", "data", "attachment"})
SAFE_TAG = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
CELL_ID = SAFE_TAG      # nbformat 4.5's cell id: letters, digits, '-' and '_'


def _attribute(tag, name, value):
    """bleach's attribute filter: the few passive attributes, and URLs that load nothing."""
    if name in ("title", "alt"):
        return tag in ("a", "img", "abbr", "acronym")
    if tag == "a" and name == "href":
        return urlsplit(value.strip()).scheme.lower() in ("", "http", "https", "mailto")
    if tag == "img" and name == "src":
        return _image_source(value)
    if tag == "img" and name in ("width", "height"):
        return value.strip().isdigit()
    if tag in ("td", "th") and name in ("colspan", "rowspan"):
        return value.strip().isdigit()
    if tag == "ol" and name == "start":
        return value.strip().isdigit()
    return False


def _image_source(value):
    value = value.strip()
    if value.lower().startswith("attachment:"):
        return True
    for mime in IMAGES:
        head = f"data:{mime};base64,"
        if value.lower().startswith(head):
            return _image_bytes(mime, value[len(head):]) is not None
    return False


_CLEANER = bleach.Cleaner(tags=TAGS, attributes=_attribute, protocols=PROTOCOLS, strip=False,
                          strip_comments=True, css_sanitizer=CSSSanitizer(allowed_css_properties=()))


def clean_html(html):
    """`html` with only passive tags and attributes left: the rest escaped as text."""
    return _CLEANER.clean(html)


def _image_bytes(mime, data):
    """The decoded image if `data` is base64 of a `mime` image (checked by its magic bytes)."""
    if isinstance(data, list):
        data = "".join(data)
    if not isinstance(data, str):
        return None
    try:
        raw = base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if raw.startswith(IMAGES[mime]) else None


class _Watcher(IPythonRenderer):
    """nbconvert's own markdown renderer, noting what would reach the page as active HTML."""

    def __init__(self, attachments=None):
        super().__init__(escape=False, attachments=attachments)
        self.found = []

    def block_html(self, html):
        self.found.append("raw HTML")
        return super().block_html(html)

    def inline_html(self, html):
        self.found.append("raw HTML")
        return super().inline_html(html)

    def link(self, text, url, title=None):
        if urlsplit(url.strip()).scheme.lower() not in ("", "http", "https", "mailto"):
            self.found.append("a link to another scheme")
        return super().link(text, url, title)

    def image(self, text, url, title=None):
        scheme = urlsplit(url.strip()).scheme.lower()
        if scheme not in ("", "http", "https", "attachment") and not _image_source(url):
            self.found.append("an image from another scheme")
        return super().image(text, url, title)

    def block_mermaidjs(self, code):
        self.found.append("a mermaid diagram")
        return super().block_mermaidjs(code)


def markdown(source, attachments=None):
    """(markdown to show, what was active in it): `source` itself when nbconvert renders it to
    passive HTML, else nbconvert's rendering of it, cleaned (or, when nbconvert cannot render
    it, its text)."""
    if isinstance(source, list):
        source = "".join(source)
    if not isinstance(source, str):
        return "", ["a markdown source that is not text"]
    watcher = _Watcher(attachments if isinstance(attachments, dict) else {})
    try:
        html = MarkdownWithMath(renderer=watcher).render(source)
    except Exception as error:    # nbconvert's InvalidNotebook: a missing attachment
        return f"<pre>{escape(source)}</pre>", [f"markdown nbconvert cannot render "
                                                f"({type(error).__name__})"]
    if not watcher.found:
        return source, []
    return clean_html(html).rstrip("\n") + "\n", sorted(set(watcher.found))


def _output(output):
    """(the output made passive, or None to drop it; what was removed)."""
    kind = output.get("output_type")
    if kind == "stream":
        text = output.get("text", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        name = output.get("name") if output.get("name") in ("stdout", "stderr") else "stdout"
        return new_output("stream", name=name, text=text), []
    if kind == "error":
        traceback = output.get("traceback", [])
        return new_output("error", ename=str(output.get("ename", "")),
                          evalue=str(output.get("evalue", "")),
                          traceback=[str(t) for t in traceback]
                          if isinstance(traceback, list) else []), []
    if kind not in ("display_data", "execute_result"):
        return None, [f"an output of type {_named(kind)}"]
    data, metadata, removed = {}, {}, []
    given = output.get("data", {})
    for mime, value in (given.items() if isinstance(given, dict) else ()):
        if mime in IMAGES and _image_bytes(mime, value) is not None:
            data[mime] = "".join(value.split()) if isinstance(value, str) else "".join(value)
            size = output.get("metadata", {}).get(mime, {})
            kept = {k: size[k] for k in ("width", "height") if isinstance(size, dict)
                    and type(size.get(k)) in (int, float) and 0 < size[k] < 1e5}
            if kept:
                metadata[mime] = kept
        elif mime in TEXT and isinstance(value, (str, list)) or mime == RECORD_MIME:
            data[mime] = "".join(value) if isinstance(value, list) else value
        elif mime == "text/html" and isinstance(value, (str, list)):
            value = "".join(value) if isinstance(value, list) else value
            data[mime] = clean_html(value)
            if _changed(value, data[mime]):
                removed.append("active HTML in a text/html output")
        elif mime == "text/markdown" and isinstance(value, (str, list)):
            shown, found = markdown(value)
            if found:
                data["text/html"] = shown
                removed.append(f"{', '.join(found)} in a text/markdown output")
            else:
                data[mime] = shown
        else:
            removed.append(f"a {_named(mime)} output")
    if not data:
        data["text/plain"] = "[output not shown: " + "; ".join(removed or ["empty"]) + \
            " (nothing from a submission runs in a browser)]"
    count = output.get("execution_count")
    extra = {"execution_count": count if type(count) is int else None} \
        if kind == "execute_result" else {}
    return new_output(kind, data=data, metadata=metadata, **extra), removed


def _named(text):
    """A name the student chose (a MIME type, an attachment), as text anywhere: characters other
    than letters, digits and `/+._-` percent-encoded."""
    return quote(str(text)[:60], safe="/+._-")


def _changed(original, cleaned):
    """Whether cleaning removed anything from `original` (compared as bleach serialises: the
    same document cleaned with every tag and attribute it has allowed)."""
    permissive = bleach.Cleaner(tags=_tags_in(original), attributes=lambda *a: True,
                                protocols=_schemes_in(original), strip=False,
                                strip_comments=False)
    return permissive.clean(original) != cleaned


def _tags_in(html):
    from html.parser import HTMLParser

    class Tags(HTMLParser):
        found = set()

        def handle_starttag(self, tag, attrs):
            self.found.add(tag)

    parser = Tags()
    parser.found = set()
    parser.feed(html)
    return parser.found


def _schemes_in(html):
    from html.parser import HTMLParser

    class Schemes(HTMLParser):
        found = set()

        def handle_starttag(self, tag, attrs):
            self.found.update(urlsplit((v or "").strip()).scheme.lower() for _, v in attrs)

    parser = Schemes()
    parser.found = set()
    parser.feed(html)
    return parser.found | {"http", "https"}


def sanitize_cell(cell):
    """Make `cell` passive in place; returns what was removed (empty for a passive cell)."""
    removed = []
    if not (isinstance(cell.get("id"), str) and cell["id"] and set(cell["id"]) <= CELL_ID
            and len(cell["id"]) <= 64):
        if "id" in cell:
            cell["id"] = random_cell_id()
    tags = cell.get("metadata", {}).get("tags")
    if tags is not None:
        safe = [t for t in tags if isinstance(t, str) and t and set(t) <= SAFE_TAG] \
            if isinstance(tags, list) else []
        if safe != tags:
            removed.append("cell tags outside letters, digits, '_' and '-'")
            cell.metadata["tags"] = safe
    grading = cell.get("metadata", {}).get("nbgrader")
    if grading is not None:     # formgrader writes a graded cell's id into its page unescaped
        gid = grading.get("grade_id") if isinstance(grading, dict) else None
        if not (gid is None or isinstance(gid, str) and gid and set(gid) <= SAFE_TAG):
            del cell.metadata["nbgrader"]
            removed.append("nbgrader metadata with an id outside letters, digits, '_' and '-'")
    attachments = cell.get("attachments")
    if attachments:
        kept = {}
        for name, bundle in attachments.items() if isinstance(attachments, dict) else ():
            images = {m: v for m, v in bundle.items() if m in IMAGES
                      and _image_bytes(m, v) is not None} if isinstance(bundle, dict) else {}
            if images:
                kept[name] = images
            if not isinstance(bundle, dict) or set(bundle) - set(images):
                removed.append(f"an attachment that is not a PNG or JPEG image ({_named(name)})")
        cell["attachments"] = kept
    if cell.get("cell_type") == "markdown":
        cell.source, found = markdown(cell.get("source", ""), cell.get("attachments"))
        removed.extend(f"{what} in a markdown cell" for what in found)
    elif cell.get("cell_type") == "raw":
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        cell.source = clean_html(source)
        if _changed(source, cell.source):
            removed.append("active HTML in a raw cell")
    elif cell.get("cell_type") == "code":
        outputs = []
        for output in cell.get("outputs", []):
            passive, lost = _output(output) if isinstance(output, dict) else (None, ["an output"])
            removed.extend(lost)
            if passive is not None:
                outputs.append(passive)
        cell.outputs = outputs
        if type(cell.get("execution_count")) is not int:
            cell["execution_count"] = None
    return removed


def sanitize_notebook(nb):
    """Make every cell of `nb` passive in place; returns [(cell index, what was removed)]."""
    findings = []
    for index, cell in enumerate(nb.cells):
        findings.extend((index, what) for what in dict.fromkeys(sanitize_cell(cell)))
    for key in ("widgets", "title"):
        if key in nb.metadata:
            del nb.metadata[key]
            findings.append((None, f"the notebook's {key} metadata"))
    return findings


class SanitizeNotebook(NbGraderPreprocessor):
    """Every output and markdown cell of the autograded notebook made passive (see the module);
    what was removed is flagged `active-content` for a human, with the findings that earlier
    preprocessors left for the flags (`intake.SubmittedLinks`: the links not followed)."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        findings = sanitize_notebook(nb)
        pending = list(resources.get(COURSE_KEY, {}).pop(PENDING, []))
        if findings:
            where = "/".join(str(info.get(k)) for k in ("student", "assignment", "notebook"))
            self.log.warning("Active content removed from %s: %s", where, "; ".join(
                f"cell {i}: {what}" if i is not None else what for i, what in findings))
            pending.append(("active-content", [
                {"cell": i if i is not None else -1, "line": 0, "reason": "active-content",
                 "detail": what} for i, what in findings]))
        path = Path(self.config.MarkRecords.get("flags_file") or
                    Path(CourseDirectory(config=self.config).root) / FLAGS_FILE)
        for reason, found in pending:
            amend_flags(nb, info, reason, found, path)
        return nb, resources

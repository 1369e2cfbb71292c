"""The kinds of answer, on the tutor's side: one class per kind, one file per class.

Each kind owns, for an item of its kind,
    info(item)                the item's entry in the kernel's manifest (what a student is told
                              anyway: a shape, the choices, the symbols, the visible inputs)
    data(item)                what an answer is judged against, computed from the references
    shipped(item)             the part of it the `full` self-check may ship (JSON), or None
    schema(item)              the JSON Schema of its plain record
    reference_record(item)    the plain record of the reference answer itself
    judge(item, record, include_hidden)
                              an ItemVerdict, worded by the kernel side's kind of the same name
    worked(item, matrix)      the reference answer as a line of a worked solution (Markdown)
How a value is read into plain data is the kernel side's (`mdl_kernel.kinds`), under the same name.
"""
from .boolean import Boolean
from .function import Function
from .integer import Integer
from .label import Label
from .symbolic import Symbolic
from .value import Value

VALUE, INTEGER, BOOLEAN, LABEL, FUNCTION, SYMBOLIC = (Value(), Integer(), Boolean(), Label(),
                                                      Function(), Symbolic())
KINDS = {kind.name: kind for kind in (VALUE, INTEGER, BOOLEAN, LABEL, FUNCTION, SYMBOLIC)}

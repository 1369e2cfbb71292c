"""Inputs of a function's test cases as JSON, and back.

The tutor's process writes the inputs of every case of a function exercise into the hidden test
cell at grading time; the kernel decodes them, fresh for every call, and calls the student's
function on them.  A value is encoded as
    {"array": [flat numbers], "shape": [...], "dtype": "float64"}   a NumPy array
    {"generator": <bit generator state>}                           a numpy.random.Generator
    {"tuple": [values]} / {"list": [values]}                        a tuple or list
    a JSON number, true/false or null                               itself
and a case as {"args": [values], "kwargs": {name: value}}.
"""
import base64
import json
import zlib

import numpy as np


def encode(value):
    if isinstance(value, np.ndarray):
        return {"array": value.ravel().tolist(), "shape": list(value.shape),
                "dtype": str(value.dtype)}
    if isinstance(value, np.random.Generator):
        return {"generator": value.bit_generator.state}
    if isinstance(value, (tuple, list)):
        return {type(value).__name__: [encode(v) for v in value]}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or type(value) in (bool, int, float):
        return value
    raise TypeError(f"cannot encode a {type(value).__name__} as a case input")


def decode(value):
    if type(value) is not dict:
        return value
    if "array" in value:
        return np.array(value["array"], dtype=value.get("dtype", "float64")).reshape(value["shape"])
    if "generator" in value:
        state = value["generator"]
        generator = np.random.Generator(getattr(np.random, state["bit_generator"])())
        generator.bit_generator.state = state
        return generator
    if "tuple" in value:
        return tuple(decode(v) for v in value["tuple"])
    if "list" in value:
        return [decode(v) for v in value["list"]]
    raise ValueError("not an encoded case input")


def encode_case(args, kwargs):
    return {"args": [encode(a) for a in args], "kwargs": {k: encode(v) for k, v in kwargs.items()}}


def decode_case(case):
    """(args, kwargs), built afresh."""
    return [decode(a) for a in case["args"]], {k: decode(v) for k, v in case["kwargs"].items()}


def pack(data):
    """JSON data as one line of text (zlib and base64): short to write into a cell."""
    return base64.b64encode(zlib.compress(json.dumps(data).encode(), 9)).decode("ascii")


def unpack(text):
    return json.loads(zlib.decompress(base64.b64decode(text)))

"""Numbers as the worked solutions print them: `fmt`, the one formatter (6 significant figures),
and its LaTeX forms (`tex`, `par`, `eq`, `tmat`, `pair`).  The tests look for the answers in the
PDFs with the same formatter."""
import re

import numpy as np


DIGITS = 6


def fmt(x, digits=DIGITS):
    """The one formatter of the documents: `digits` significant figures, plain text.

    Small and large numbers are written as `m` e `k` ("4.13994e-8"); `tex` prints those as
    m x 10^k, so a PDF shows the mantissa (`mantissa`).  Zero (and float noise below 1e-12) is
    "0"; integers have no decimal point.  A number below 10 in size that is not whole never
    prints as a whole number (tanh(8) = 0.9999998 lies in the open interval (-1, 1), and
    1 + e^-16 is not 1): it gets the digits it needs (up to 15; beyond that the float is whole).
    """
    x = float(x)
    if not np.isfinite(x):
        return "nan" if np.isnan(x) else ("inf" if x > 0 else "-inf")
    if abs(x) < 1e-12:
        return "0"
    while abs(x) < 10 and x != round(x) and re.fullmatch(r"-?\d+", f"{x:.{digits}g}") and digits < 15:
        digits += 1
    s = f"{x:.{digits}g}"
    if "e" in s:
        mantissa, exponent = s.split("e")
        return f"{mantissa}e{int(exponent)}"
    return s


def mantissa(text):
    """The digits a PDF shows for a formatted number: "4.13993e-8" -> "4.13993"."""
    return text.split("e")[0]


def tex(x):
    """A number in LaTeX, formatted by `fmt`."""
    s = fmt(x)
    if "e" in s and s[-1].isdigit():
        m, e = s.split("e")
        return rf"{m} \times 10^{{{e}}}"
    return s


def par(x):
    """`tex(x)`, in parentheses when negative (for a factor of a product)."""
    return rf"({tex(x)})" if float(x) < 0 else tex(x)


def eq(*values):
    """"=" when every value is printed exactly (up to float noise), "\\approx" when rounding
    hides digits."""
    exact = all(abs(float(fmt(v)) - v) <= 1e-12 * max(1.0, abs(v))
                for v in np.ravel(values))
    return "=" if exact else r"\approx"


def tmat(value):
    """A pmatrix of the formatted entries (a number for a scalar)."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return tex(a)
    rows = a.reshape(a.shape[0], -1) if a.ndim == 2 else a.reshape(1, -1)
    body = r" \\ ".join(" & ".join(tex(x) for x in row) for row in rows)
    return r"\begin{pmatrix} " + body + r" \end{pmatrix}"


def pair(values):
    """"(a, b)" in plain text, for tables."""
    return "(" + ", ".join(fmt(v) for v in np.ravel(values)) + ")"

"""Worked solutions, step by step, computed from the catalogue and the reference maths.

`steps(exercise_id)` returns the working of one exercise as a list of `Block`s (Markdown with
LaTeX maths, code listings, figures).  Every result it shows (z = Xw + b, each activation, the
network's nodes, each descent step's gradients and parameters) is taken from the catalogue's given
data and the functions of `reference`, the code the grader uses; this package only lays the numbers
out, with the intermediate products and sums that lead to them, and ends each exercise with the
catalogue's own reference answers (`answers`).  The symbolic exercises (G6, B1, B3) derive every
chain-rule factor with `sympy.diff`; `derivation(exercise_id)` returns what they derive.

Nothing here checks itself: tests/test_worked.py recomputes every number and derivative shown
from the reference code and fails on any that disagrees.

Numbers are printed by one formatter, `fmt` (6 significant figures); the tests look for the
answers in the PDFs with the same formatter.

One module a job:
  numbers       the formatter and its LaTeX forms
  blocks        `Block`, Markdown and display maths, code listings reflowed for paper
  figures       the network and the loss curves
  answers       the catalogue's reference answers, the end of every worked solution
  symbolic      what the derivations of G6, B1 and B3 share
  nbXX_<name>   the worked solutions of one notebook's exercises
  registry      which worked solution each exercise has: `steps`, `markdown`
"""
from .blocks import WIDTH, Block, display, listing, md, reflow
from .figures import loss_curves, loss_figure, network_figure
from .numbers import eq, fmt, mantissa, pair, par, tex, tmat
from .registry import chain_rule, derivation, markdown, steps
from .symbolic import confirmed, sym_latex

__all__ = ["WIDTH", "Block", "display", "listing", "md", "reflow", "loss_curves", "loss_figure",
           "network_figure", "eq", "fmt", "mantissa", "pair", "par", "tex", "tmat", "chain_rule",
           "derivation", "markdown", "steps", "confirmed", "sym_latex"]

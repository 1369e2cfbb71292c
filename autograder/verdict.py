"""Verdicts: what the grader concluded about an answer, as small immutable values.

An `ItemVerdict` judges one name a student defines (a score in [0, 1], a message, the name of a
known mistake if one matched).  A `Verdict` collects the items of one exercise and turns their
scores into points.  `points_line` is the one line that states an exercise's points ("F1a: 1.5 /
2 points"), wherever they are printed (the grader's verdict, `judging.graded_text`); the rest of
printing and nbgrader's conventions live in `grading`, not here.
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ItemVerdict:
    item: str
    score: float                 # fraction of the item's credit, 0 <= score <= 1
    message: str
    mistake: str | None = None   # name of a known mistake the answer matches
    hidden: bool = False         # judged on inputs the student does not see
    followed: bool = False       # right from the student's own earlier answers (followthrough)
    flags: tuple = ()            # (reason, detail) pairs for a human: a forged record, a
                                 # check that could not decide

    @property
    def correct(self):
        return self.score >= 1.0


@dataclass(frozen=True)
class Verdict:
    exercise: str
    max_points: float
    items: tuple = ()
    weights: tuple = field(default=())   # share of max_points per item; default equal shares

    @property
    def points(self):
        weights = self.weights or (1.0 / len(self.items),) * len(self.items)
        total = sum(w * v.score for w, v in zip(weights, self.items)) * self.max_points
        return round(min(max(total, 0.0), float(self.max_points)), 4)

    @property
    def mistakes(self):
        return tuple(v.mistake for v in self.items if v.mistake)

    @property
    def flags(self):
        return tuple(f for v in self.items for f in v.flags)

    @property
    def message(self):
        return "\n".join(v.message for v in self.items)


def readable(points):
    """Points for reading: two decimals at most (5.43, not 5.4286), no trailing zeros."""
    return f"{round(float(points), 2):g}"


def points_line(exercise_id, points, max_points):
    """"F1a: 1.5 / 2 points": an exercise's points out of its maximum, each `readable`."""
    unit = "point" if max_points == 1 else "points"
    return f"{exercise_id}: {readable(points)} / {readable(max_points)} {unit}"

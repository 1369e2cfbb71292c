"""The tutor's side of the 'Maths of Deep Learning' lab: the catalogue, the references, judging,
the nbgrader preprocessors that grade, class grading and the class report.

Nothing here is installed where students work, nor in the grading kernel: a student's kernel has
only the kernel side, `mdl_kernel` (kernel/).  See README.md for the map of modules.
"""

"""Grading in the tutor's process: nbgrader preprocessors and what they need.

    inputs.TestInputs    before Execute: writes the test inputs into the graded test cells
    marking.MarkRecords  before SaveAutoGrades: judges each cell's record, writes feedback and
                         points, flags what a human should see
    records              the record format (JSON Schema) and its validation
    tamper               the static scan of a notebook's code for signs of tampering
    flags                the flags file read by the class report
"""

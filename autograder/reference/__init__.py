"""Reference mathematics of the lab, one module per part.

Every reference answer the grader uses is computed here with NumPy from the lab's given data;
nothing is typed in. Part 1 `forward`, part 2 `activations`, part 3 `network`, part 4 `descent`,
part 5 `backprop`; symbolic derivatives live in `derivatives`.
"""

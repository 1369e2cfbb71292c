"""`python -m course.worked [EXERCISE ...]`: print worked solutions' text."""
from autograder import catalogue as cat

from .registry import markdown

if __name__ == "__main__":
    import sys
    for eid in sys.argv[1:] or list(cat.CATALOGUE):
        print(f"# {eid}\n\n{markdown(eid)}\n")

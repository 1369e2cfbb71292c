"""Size limits shared by the kernel side (which records answers) and the tutor side (which
validates and judges them).  One name, one meaning, wherever it is used."""

MAX_ENTRIES = 10_000          # numbers in one recorded array
MAX_TEXT = 4000               # characters of a string of maths
MAX_LABEL = 200               # characters of a recorded text answer ("YES")
MAX_REASON = 1000             # characters of the reason an answer could not be read
MAX_NODES = 4000              # nodes (operations and leaves) of one expression tree
MAX_DEPTH = 60                # levels of one expression tree below its root
MAX_NAME = 64                 # characters of the text of a tree's leaf (a name, a decimal)
MAX_DECIMAL = 32              # characters of a decimal number in a tree
MAX_LITERAL = 10**15          # magnitude of an integer literal in an expression
MAX_EXPONENT = 100            # magnitude of a constant exponent in an expression
MAX_BITS = 20000              # bound on the size of the exact numbers an expression computes
MAX_EXP_ARG = 700.0           # exp, sinh, cosh of a constant beyond this overflow a float
MAX_NDIM = 8                  # dimensions of a recorded array
MAX_RECORD_VALUES = 400_000   # JSON values in one record
MAX_RECORD_DEPTH = 100        # nesting of one record
CALL_SECONDS = 10.0           # one call of a student's function

"""Default limits on untrusted input: each is a clear error instead of a hang or a crash."""

MAX_PROGRAM_BYTES = 1 << 20  # program text
MAX_NAME_LENGTH = 255
MAX_STATEMENTS = 100_000
MAX_ELEMENTS = 10 ** 8  # in any one tensor, a dense Jacobian included
MAX_TEXT_FILE_BYTES = 64 << 20  # a .json/.csv value or --inputs file (large arrays: use .npy)
MAX_POINT_LINE_BYTES = 16 << 20  # one line of a --points NDJSON/CSV file
MAX_ORDER = 12  # `derivative --order`: each order differentiates the graph of the one before

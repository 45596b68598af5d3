"""`python -m pt2tf ARGS` runs the bundled native CLI with ARGS (same as `pt2tf ARGS`)."""
import os
import sys

from pt2tf import binary_path


def main():
    binary = binary_path()
    os.execv(binary, [binary, *sys.argv[1:]])


if __name__ == "__main__":
    main()

"""Runs a command and writes its own wall time and rusage as JSON to a file:

    python -S bench/spawn_measured.py RESULT.json CMD [ARGS...]

measure.run_measured starts tools through this small process because a child's peak RSS
(ru_maxrss) keeps the high-water mark of the memory it had before exec: forked straight from
a large Python parent (one that imported torch), every tool would report the parent's size.
"""
import json
import os
import sys
import time


def main():
    result_path, cmd = sys.argv[1], sys.argv[2:]
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - t0
    with open(result_path, "w") as f:
        json.dump({"seconds": seconds, "maxrss_kb": usage.ru_maxrss,
                   "cpu_seconds": usage.ru_utime + usage.ru_stime}, f)
    code = os.waitstatus_to_exitcode(status)
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()

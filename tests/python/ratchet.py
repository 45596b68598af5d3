"""Ratchets: expected lists of cases that passed, which may grow but never silently shrink.

A ratchet file holds one case name per line (sorted; blank lines and `#` comments ignored).
`check(path, passing)` fails when any listed case is no longer in `passing`. Regenerating is
driven by PT2TF_UPDATE_EXPECTED:

  unset           check only; the file is never written
  1               additive: newly passing cases are appended, nothing is removed, and the
                  check still runs, so a pass -> refused regression fails the run as before
  drop            rewrite the file as exactly `passing`: cases that stopped passing are
                  dropped, each one printed (and raised as a warning, so it shows in the
                  pytest summary); the check then passes. Only for deliberate removals.

Any other value is an error (a typo must not silently mean "check only").
Used by test_onnx_roundtrip.py and test_tf_backend.py; tests/README.md describes it.
"""
import os
import pathlib
import sys
import warnings

ENV = "PT2TF_UPDATE_EXPECTED"


def mode():
    """None (check only), "add" or "drop", from PT2TF_UPDATE_EXPECTED."""
    value = os.environ.get(ENV, "")
    if value in ("", "0"):
        return None
    if value == "1":
        return "add"
    if value == "drop":
        return "drop"
    raise ValueError(f"{ENV}={value!r}: use 1 (add newly passing cases) or drop "
                     "(also remove cases that no longer pass)")


def read(path):
    path = pathlib.Path(path)
    if not path.exists():
        return set()
    return {line.strip() for line in path.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")}


def _write(path, names):
    pathlib.Path(path).write_text("".join(f"{n}\n" for n in sorted(names)))


def _report(message):
    print(message, file=sys.__stderr__, flush=True)
    warnings.warn(message, stacklevel=3)


def update(path, passing):
    """Applies the PT2TF_UPDATE_EXPECTED mode to the file at `path`; returns
    (added, dropped) as sorted lists (both empty in check-only mode)."""
    how = mode()
    expected, passing = read(path), set(passing)
    if how is None:
        return [], []
    added = sorted(passing - expected)
    dropped = sorted(expected - passing) if how == "drop" else []
    if added or dropped:
        _write(path, (expected | passing) - set(dropped))
    if dropped:
        _report(f"{path}: dropped {len(dropped)} cases that no longer pass: "
                + ", ".join(dropped))
    if added:
        print(f"{path}: added {len(added)} newly passing cases", file=sys.__stderr__)
    return added, dropped


def check(path, passing, detail=lambda name: ""):
    """Updates the file as PT2TF_UPDATE_EXPECTED says, then asserts every listed case is in
    `passing`. `detail(name)` explains a lost case in the failure message."""
    update(path, passing)
    expected = read(path)
    assert expected, f"{path} is empty or missing: regenerate it with {ENV}=1"
    lost = sorted(expected - set(passing))
    assert not lost, (f"{len(lost)} cases listed in {pathlib.Path(path).name} no longer pass "
                      f"(if that is intended, regenerate with {ENV}=drop):\n"
                      + "\n".join(f"{n}: {detail(n)}" for n in lost))

"""ONNX backend node tests through the TensorFlow writer (tests/python/tf_backend.py).

Every case must end as pass or refused: a wrong answer, a graph TensorFlow rejects, or a
crash fails the suite, and so does any case listed in tf_backend_expected.txt (the cases
that passed when it was last regenerated) that no longer passes. Regenerate the list, and
docs/OPERATORS.md, with PT2TF_UPDATE_EXPECTED=1.
"""
import os
import pathlib

import pytest

import tf_backend
from conftest import ROOT

EXPECTED = pathlib.Path(__file__).parent / "tf_backend_expected.txt"


@pytest.fixture(scope="module")
def results(pt2tf_bin):
    names = sorted(p.name for p in tf_backend.cases_dir().iterdir())
    return tf_backend.run_all(names, jobs=2)


def test_no_wrong_answers_or_crashes(results):
    bad = {n: r for n, r in results.items() if r[0] in ("fail", "crash")}
    assert not bad, "\n".join(f"{n}: {o}: {d}" for n, (o, d) in sorted(bad.items()))


def test_previously_passing_cases_still_pass(results):
    passed = sorted(n for n, (o, _) in results.items() if o == "pass")
    if os.environ.get("PT2TF_UPDATE_EXPECTED"):
        EXPECTED.write_text("\n".join(passed) + "\n")
        tf_backend.write_docs(results, ROOT / "docs" / "OPERATORS.md")
    expected = EXPECTED.read_text().split()
    lost = [n for n in expected if results.get(n, ("missing",))[0] != "pass"]
    assert not lost, f"{len(lost)} cases no longer pass: {lost[:20]}"
    assert len(passed) >= len(expected)

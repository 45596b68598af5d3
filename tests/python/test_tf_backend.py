"""ONNX backend node tests through the TensorFlow writer (tests/python/tf_backend.py).

Every case must end as pass or refused: a wrong answer, a graph TensorFlow rejects, or a
crash fails the suite, and so does any case listed in tf_backend_expected.txt (the cases
that passed when it was last regenerated) that no longer passes. PT2TF_UPDATE_EXPECTED=1 adds
newly passing cases to the list and regenerates docs/OPERATORS.md; removing a case needs
PT2TF_UPDATE_EXPECTED=drop (ratchet.py).
"""
import pathlib

import pytest

import ratchet
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
    if ratchet.mode():
        tf_backend.write_docs(results, ROOT / "docs" / "OPERATORS.md")
    ratchet.check(EXPECTED, passed, lambda n: "{}: {}".format(*results.get(n, ("missing", ""))))


@pytest.mark.parametrize("script,outcome", [
    ('echo "pt2tf: error: $5: Foo: not supported" >&2; exit 1', "refused"),
    ('echo "Segmentation fault" >&2; exit 1', "fail"),  # not the error form
    ('echo "pt2tf: error: one" >&2; echo two >&2; exit 1', "fail"),  # not one line
    ('touch "$5"; echo "pt2tf: error: $5: no" >&2; exit 1', "fail"),  # output left behind
])
def test_only_a_clean_refusal_counts_as_refused(tmp_path, monkeypatch, script, outcome):
    """A stand-in pt2tf (`$5` is the -o path) shows what run_case accepts as a refusal."""
    fake = tmp_path / "pt2tf"
    fake.write_text(f"#!/bin/sh\n{script}\n")
    fake.chmod(0o755)
    monkeypatch.setattr(tf_backend, "PT2TF", fake)
    work = tmp_path / "work"
    work.mkdir()
    got, detail = tf_backend.run_case(tf_backend.cases_dir() / "test_abs", work)
    assert got == outcome, detail
    if outcome == "refused":
        assert detail == "Foo: not supported"

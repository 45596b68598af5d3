"""The expected-list ratchet (ratchet.py): regeneration adds, only an explicit drop removes."""
import pytest

import ratchet


@pytest.fixture
def listed(tmp_path):
    path = tmp_path / "expected.txt"
    path.write_text("a\nb\nc\n")
    return path


def test_check_only_never_writes_and_fails_on_a_lost_case(listed, monkeypatch):
    monkeypatch.delenv(ratchet.ENV, raising=False)
    with pytest.raises(AssertionError, match="1 cases listed .* no longer pass"):
        ratchet.check(listed, ["a", "b", "d"])
    assert listed.read_text() == "a\nb\nc\n"


def test_additive_update_keeps_lost_cases_and_still_fails(listed, monkeypatch):
    """A pass -> refused regression must survive PT2TF_UPDATE_EXPECTED=1."""
    monkeypatch.setenv(ratchet.ENV, "1")
    with pytest.raises(AssertionError, match="c: why c"):
        ratchet.check(listed, ["a", "b", "d"], lambda n: f"why {n}")
    assert ratchet.read(listed) == {"a", "b", "c", "d"}


def test_additive_update_passes_when_nothing_is_lost(listed, monkeypatch):
    monkeypatch.setenv(ratchet.ENV, "1")
    ratchet.check(listed, ["a", "b", "c", "e"])
    assert listed.read_text() == "a\nb\nc\ne\n"


def test_drop_removes_and_reports_what_it_dropped(listed, monkeypatch, capsys):
    monkeypatch.setenv(ratchet.ENV, "drop")
    with pytest.warns(UserWarning, match="dropped 2 cases that no longer pass: a, c"):
        ratchet.check(listed, ["b", "d"])
    assert listed.read_text() == "b\nd\n"


def test_unknown_mode_is_an_error(listed, monkeypatch):
    monkeypatch.setenv(ratchet.ENV, "yes")
    with pytest.raises(ValueError, match="PT2TF_UPDATE_EXPECTED='yes'"):
        ratchet.check(listed, ["a", "b", "c"])


def test_missing_or_empty_list_fails(tmp_path, monkeypatch):
    monkeypatch.delenv(ratchet.ENV, raising=False)
    with pytest.raises(AssertionError, match="empty or missing"):
        ratchet.check(tmp_path / "none.txt", ["a"])

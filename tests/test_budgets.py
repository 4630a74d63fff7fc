"""The time budgets of the expensive test groups: what the table says and when a run fails."""

from __future__ import annotations

from tests.support.budgets import BUDGETS, GroupTimes


def test_every_phase_of_a_group_test_counts_and_other_tests_do_not():
    times = GroupTimes()
    times.add("tests/browser/test_a.py::test_one", {"browser", "database"}, 2.0)
    times.add("tests/browser/test_a.py::test_one", {"browser", "database"}, 30.5)
    times.add("tests/fuzz/test_f.py::test_two", {"fuzz"}, 4.0)
    times.add("tests/shops/test_s.py::test_three", {"database"}, 100.0)
    assert times.seconds == {"browser": 32.5, "fuzz": 4.0}
    assert times.over_budget() == []
    assert times.lines() == [
        f"browser      1 tests     32.5 s of {BUDGETS['browser']:6.0f} s  ok",
        f"fuzz         1 tests      4.0 s of {BUDGETS['fuzz']:6.0f} s  ok",
    ]


def test_a_group_over_its_budget_is_named():
    times = GroupTimes()
    times.add("tests/production/test_x.py::test_slow", {"fault", "slow"}, BUDGETS["fault"] + 1)
    assert times.over_budget() == ["fault"]
    assert times.lines()[0].endswith("OVER BUDGET")

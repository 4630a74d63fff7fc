"""Time budgets of the suite's expensive groups, and the table of what each group took.

The browser, fuzzing, load and fault groups each have a budget in seconds (setup, call and
teardown of their tests together). At the end of a run the table below the test summary shows
every group that ran, its time and its budget; a group over its budget fails the run, so a slow
test cannot creep into CI unnoticed. The budgets leave room for a busy two-core CI machine:
about twice what the group takes on a quiet one.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable

#: examples per operation and caller the fuzzer tries unless ``FUZZ_EXAMPLES`` says otherwise
DEFAULT_FUZZ_EXAMPLES = 12


def fuzz_examples() -> int:
    return int(os.environ.get("FUZZ_EXAMPLES", DEFAULT_FUZZ_EXAMPLES))


#: marker → seconds the group may take in one run (the fuzzer's grows with its examples)
BUDGETS: dict[str, float] = {
    "browser": 600.0,
    "fuzz": 300.0 * max(1.0, fuzz_examples() / DEFAULT_FUZZ_EXAMPLES),
    "load": 180.0,
    "fault": 240.0,
}


@dataclasses.dataclass
class GroupTimes:
    """Seconds and test counts per group, filled from the run's reports."""

    seconds: dict[str, float] = dataclasses.field(default_factory=dict)
    tests: dict[str, set[str]] = dataclasses.field(default_factory=dict)

    def add(self, test_id: str, markers: Iterable[str], duration: float) -> None:
        """Count one phase (setup, call or teardown) of a test carrying ``markers``."""
        for group in BUDGETS.keys() & set(markers):
            self.seconds[group] = self.seconds.get(group, 0.0) + duration
            self.tests.setdefault(group, set()).add(test_id)

    def over_budget(self) -> list[str]:
        return sorted(group for group, seconds in self.seconds.items()
                      if seconds > BUDGETS[group])

    def lines(self) -> list[str]:
        rows = []
        for group in sorted(self.seconds):
            seconds, budget = self.seconds[group], BUDGETS[group]
            verdict = "OVER BUDGET" if seconds > budget else "ok"
            rows.append(f"{group:8} {len(self.tests[group]):5} tests {seconds:8.1f} s "
                        f"of {budget:6.0f} s  {verdict}")
        return rows

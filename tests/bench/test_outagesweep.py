"""The outage sweep counts what its docstring says, and tells a purge found from a false flag."""

from collections import Counter

from bench import _outagesweep


def test_the_sweeps_hold_the_runs_their_figures_are_counted_over():
    assert Counter(case[0] for case in _outagesweep.cases()) == {
        "A": 90,
        "B": 45,
        "C5": 15,
        "C1": 15,
    }


def test_a_purge_in_the_middle_of_a_gap_found_at_5_minutes_is_a_hit_not_a_false_flag():
    # Seed 4: 400 people removed in the middle of 6 missed fetches 10 after the take-off.
    case, rows, found, false = _outagesweep.run(("C5", 4, 6, 10, "mid"))
    assert found is True
    assert [row[0] for row in rows] == ["purge"]
    assert false == []


def test_a_run_without_a_purge_says_so():
    case, rows, found, false = _outagesweep.run(("A", 7, 6, 30, None))
    assert found is None
    assert false == rows

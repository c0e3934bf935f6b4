"""bench/snapshot.py runs both inits in fresh processes and reports what moved; nothing here is timed."""

from __future__ import annotations

from bench import snapshot


def test_a_snapstart_init_builds_before_the_first_request_and_an_on_demand_one_does_not() -> None:
    # GIVEN one function, one round of each init in fresh processes
    (row,) = snapshot.run(runs=snapshot.QUICK_RUNS, functions=("inbound_email",))
    (on_demand,), (snap_start,) = row.on_demand, row.snap_start
    # THEN only the SnapStart init registered its restore hook and built the container's parts
    assert (on_demand.hooks, snap_start.hooks) == (0, 1)
    assert on_demand.built == 0
    assert snap_start.built >= 4  # the settings, the rules, the SQS client, the intake service
    # AND the report shows the row with the medians it printed
    report = snapshot.format_report([row], snapshot.QUICK_RUNS)
    assert "inbound_email" in report
    assert row.to_dict()["moved_ms"] == round(row.moved_ms, 1)
    assert row.to_dict()["snap_start_parts_built_in_init"] == snap_start.built


def test_every_function_starts_both_ways_with_the_settings_the_bench_gives() -> None:
    # GIVEN every function, one round each (a child that cannot start raises with its traceback)
    rows = snapshot.run(runs=snapshot.QUICK_RUNS)
    # THEN each built its parts under snap-start only
    assert [r.function for r in rows] == list(snapshot.FIRST_REQUEST)
    assert all(r.snap_start[0].built > r.on_demand[0].built == 0 for r in rows)

"""Which published Lambda versions `versions prune` deletes, and why it keeps the rest."""

from __future__ import annotations

import pytest

from cli.version_plan import Alias, Kept, Plan, monthly_cache_cost, plan

LIVE = Alias("live", "5")

CASES = [
    # id, published, aliases, keep, delete, kept (version: reason starts with)
    (
        "keeps the live version and one older for rollback, deletes the rest",
        ["$LATEST", "1", "2", "3", "4", "5"],
        [LIVE],
        1,
        (1, 2, 3),
        {5: "alias live", 4: "rollback"},
    ),
    (
        "keep 0 deletes every older version",
        ["1", "2", "3", "4", "5"],
        [LIVE],
        0,
        (1, 2, 3, 4),
        {5: "alias live"},
    ),
    (
        "keep larger than what is there deletes nothing",
        ["3", "4", "5"],
        [LIVE],
        5,
        (),
        {5: "alias live", 4: "rollback", 3: "rollback"},
    ),
    (
        "a version newer than the live one stays: a deploy may be moving the alias to it",
        ["3", "4", "5", "6", "7"],
        [LIVE],
        1,
        (3,),
        {7: "newer than the live version", 6: "newer than the live version", 5: "alias live", 4: "rollback"},
    ),
    (
        "versions compare as numbers, not strings",
        ["8", "9", "10", "11"],
        [Alias("live", "11")],
        1,
        (8, 9),
        {11: "alias live", 10: "rollback"},
    ),
    (
        "a weighted alias's second version stays and does not use up --keep",
        ["1", "2", "3", "4", "5"],
        [Alias("live", "5", routed=("4",))],
        1,
        (1, 2),
        {5: "alias live", 4: "alias live (weighted routing)", 3: "rollback"},
    ),
    (
        "the newest aliased version is the live one when aliases disagree",
        ["1", "2", "3", "4", "5", "6"],
        [Alias("live", "4"), Alias("canary", "6")],
        1,
        (1, 2, 3),
        {6: "alias canary", 5: "rollback", 4: "alias live"},
    ),
    (
        "an older version another alias names stays",
        ["1", "2", "3", "4", "5"],
        [LIVE, Alias("pinned", "2")],
        1,
        (1, 3),
        {5: "alias live", 4: "rollback", 2: "alias pinned"},
    ),
    (
        "two aliases on one version are both named",
        ["1", "2"],
        [Alias("live", "2"), Alias("stable", "2")],
        0,
        (1,),
        {2: "alias live, stable"},
    ),
    (
        "no alias: nothing is known to be live, nothing is deleted",
        ["1", "2", "3"],
        [],
        1,
        (),
        {3: "no alias", 2: "no alias", 1: "no alias"},
    ),
    (
        "an alias on $LATEST names no published version: nothing is deleted",
        ["$LATEST", "1", "2"],
        [Alias("live", "$LATEST")],
        0,
        (),
        {2: "no alias", 1: "no alias"},
    ),
    ("only $LATEST: nothing to do", ["$LATEST"], [LIVE], 1, (), {}),
]


@pytest.mark.parametrize(
    ("published", "aliases", "keep", "delete", "kept"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_plan(published, aliases, keep, delete, kept):
    # GIVEN a function's published versions and its aliases
    # WHEN the prune is planned
    result = plan("switchboard-prod-api", published, aliases, keep)
    # THEN exactly the expected versions are deleted, oldest first, and each other one is kept with its reason
    assert result.delete == delete
    assert [k.version for k in result.kept] == sorted(kept, reverse=True)
    for k in result.kept:
        assert k.reason.startswith(kept[k.version]), (k.version, k.reason)
    # AND never $LATEST, an aliased version or one newer than the live one
    assert not set(result.delete) & {k.version for k in result.kept}


def test_plan_refuses_a_negative_keep():
    with pytest.raises(ValueError, match="keep must be 0 or more"):
        plan("f", ["1"], [LIVE], -1)


COST_CASES = [
    # id, memory of each deleted version (MB), SnapStart on, expected dollars a month
    ("one 256 MB version", {1: 256}, {1: True}, 0.25 * 0.0000015046 * 2_592_000),
    ("two versions of different sizes", {1: 256, 2: 1024}, {1: True, 2: True}, 1.25 * 0.0000015046 * 2_592_000),
    (
        "a version published without SnapStart has no snapshot to pay for",
        {1: 256, 2: 256},
        {1: True, 2: False},
        0.25 * 0.0000015046 * 2_592_000,
    ),
    ("nothing deleted costs nothing", {}, {}, 0.0),
]


@pytest.mark.parametrize(
    ("memory", "snapstart", "dollars"), [c[1:] for c in COST_CASES], ids=[c[0] for c in COST_CASES]
)
def test_monthly_cache_cost(memory, snapstart, dollars):
    # GIVEN a plan deleting versions of known memory sizes
    deleting = Plan("f", tuple(memory), (Kept(9, "alias live"),))
    # WHEN the cache it stops paying for is priced over 30 days
    cost = monthly_cache_cost(deleting, {**memory, 9: 4096}, {**snapstart, 9: True}, 0.0000015046)
    # THEN only the deleted SnapStart versions count, at memory (GB) × price × seconds
    assert cost == pytest.approx(dollars)


def test_a_256_mb_version_costs_about_97_cents_a_month():
    # the README's figure: $0.0000015046 per GB-second × 0.25 GB × 30 days
    assert monthly_cache_cost(Plan("f", (1,), ()), {1: 256}, {1: True}, 0.0000015046) == pytest.approx(0.975, abs=0.001)

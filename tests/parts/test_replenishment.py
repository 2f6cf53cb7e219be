"""Replenishment proposals (pure logic): hand-checked cases and properties on random trees."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fleetcare.parts.replenishment import Balance, Proposal, propose, waiting

TREE = {"PLANT": None, "HUB": "PLANT", "A": "HUB", "B": "HUB"}


def test_ship_from_parent_when_it_has_stock() -> None:
    """A depot below target gets the shortfall from its parent."""
    balances = {("P", "HUB"): Balance(5, 0, 0, None), ("P", "A"): Balance(1, 0, 0, 3)}
    assert propose(balances, TREE) == [Proposal("P", "HUB", "A", 2, ("A",))]


def test_in_transit_and_reservations_count() -> None:
    """Position = on hand − reserved + in transit: pieces on the way are not ordered twice."""
    balances = {("P", "HUB"): Balance(5, 0, 0, None), ("P", "A"): Balance(2, 2, 2, 3)}
    assert propose(balances, TREE) == [Proposal("P", "HUB", "A", 1, ("A",))]


def test_shortfall_climbs_to_a_purchase() -> None:
    """What the hub cannot ship is bought at the plant, plus what the hub needs for itself;
    the purchase serves both depots and the hub."""
    balances = {
        ("P", "HUB"): Balance(1, 0, 0, 2),
        ("P", "A"): Balance(0, 0, 0, 3),
        ("P", "B"): Balance(0, 0, 0, 1),
    }
    got = propose(balances, TREE)
    assert got[:2] == [
        Proposal("P", "HUB", "A", 1, ("A",)),
        Proposal("P", None, "PLANT", 5, ("A", "B", "HUB")),
    ]
    assert sum(p.quantity for p in got if p.origin is None) == 5  # A 2 + B 1 short, hub back to 2


def test_pieces_already_coming_to_the_parent_cover_its_children() -> None:
    """The hub has 5 on the way and no target: the depot's 3 wait for those, nothing is bought."""
    balances = {("P", "HUB"): Balance(0, 0, 5, None), ("P", "A"): Balance(0, 0, 0, 3)}
    assert propose(balances, TREE) == []
    short = {("P", "HUB"): Balance(0, 0, 2, None), ("P", "A"): Balance(0, 0, 0, 3)}
    assert propose(short, TREE) == [Proposal("P", None, "PLANT", 1, ("A",))]


def test_a_purchase_serves_whom_the_pieces_on_their_way_leave_short() -> None:
    """The hub has 3 on their way, its target is 2, and A needs 3: the pieces coming cover A
    first, so the plant's purchase of 2 is the hub's own, not A's."""
    balances = {("P", "HUB"): Balance(0, 0, 3, 2), ("P", "A"): Balance(0, 0, 0, 3)}
    assert propose(balances, TREE) == [Proposal("P", None, "PLANT", 2, ("HUB",))]


def test_what_waits_is_below_target_with_no_line_of_its_own() -> None:
    """A depot covered by the hub's pieces on their way waits; one the hub ships to does not;
    a location without a target never waits."""
    covered = {("P", "HUB"): Balance(0, 0, 5, None), ("P", "A"): Balance(0, 0, 0, 3)}
    assert waiting(covered, propose(covered, TREE)) == [("P", "A")]
    shipped = {("P", "HUB"): Balance(5, 0, 0, None), ("P", "A"): Balance(1, 0, 0, 3)}
    assert waiting(shipped, propose(shipped, TREE)) == []


def test_a_loop_in_the_parents_does_not_hang() -> None:
    """The tree forbids loops; should one reach the proposals, depth still ends."""
    from fleetcare.parts.replenishment import depth

    assert depth("A", {"A": "B", "B": "A"}) == 1


def test_nothing_when_at_target() -> None:
    """No proposals for balances at or above target."""
    assert propose({("P", "A"): Balance(3, 0, 0, 3), ("P", "HUB"): Balance(9, 0, 0, 1)}, TREE) == []


balances_strategy = st.dictionaries(
    st.tuples(st.sampled_from(["P", "Q"]), st.sampled_from(sorted(TREE))),
    st.builds(
        Balance,
        st.integers(0, 9),
        st.just(0),
        st.integers(0, 3),
        st.one_of(st.none(), st.integers(0, 9)),
    ),
    max_size=8,
)


@given(balances_strategy)
def test_proposals_cover_every_shortfall(balances: dict[tuple[str, str], Balance]) -> None:
    """Shipping and buying as proposed brings every location to its target (counting pipeline)."""
    proposals = propose(balances, TREE)
    position = {key: b.on_hand - b.reserved + b.in_transit for key, b in balances.items()}
    for p in proposals:
        assert p.quantity > 0
        assert p.origin is None or TREE[p.destination] == p.origin  # only from the parent
        position[(p.part, p.destination)] = position.get((p.part, p.destination), 0) + p.quantity
        if p.origin is not None:
            position[(p.part, p.origin)] = position.get((p.part, p.origin), 0) - p.quantity
    for key, balance in balances.items():
        if balance.target is not None and TREE[key[1]] is None:
            assert position[key] >= balance.target, key
    for p in proposals:  # each line names whom it is for: below target, at or under it
        assert p.serves and list(p.serves) == sorted(set(p.serves))
        for loc in p.serves:
            below = balances[(p.part, loc)]
            assert below.target is not None and below.target > 0
            node: str | None = loc
            while node is not None and node != p.destination:
                node = TREE[node]
            assert node == p.destination, (p, loc)
    for p in proposals:
        if p.origin is not None:
            free = balances.get((p.part, p.origin), Balance(0, 0, 0, None))
            shipped = sum(q.quantity for q in proposals if (q.part, q.origin) == (p.part, p.origin))
            assert shipped <= free.on_hand - free.reserved

"""The red-packet split: exact cents over the whole valid range, and shares that look random."""

from __future__ import annotations

import random
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.meetings.redpacket_split import MAX_COUNT, MAX_TOTAL_CENTS, split_cents


@st.composite
def packets(draw: st.DrawFn) -> tuple[int, int]:
    """A valid (total_cents, count): count 1..1000, total count..20,000,000, edges included."""
    count = draw(st.one_of(st.integers(1, MAX_COUNT), st.sampled_from([1, 2, MAX_COUNT])))
    total = draw(
        st.one_of(
            st.integers(count, MAX_TOTAL_CENTS),
            st.sampled_from([count, count + 1, 2 * count - 1, MAX_TOTAL_CENTS]),
        )
    )
    return min(total, MAX_TOTAL_CENTS), count


@settings(max_examples=300, deadline=None)
@given(packets())
def test_every_share_is_a_whole_cent_and_they_sum_to_the_total(packet: tuple[int, int]) -> None:
    total, count = packet
    shares = split_cents(total, count)
    assert len(shares) == count
    assert all(isinstance(s, int) and s >= 1 for s in shares)
    assert sum(shares) == total


@settings(max_examples=50, deadline=None)
@given(packets(), st.integers(0, 2**32))
def test_a_seeded_generator_gives_the_same_exact_split(packet: tuple[int, int], seed: int) -> None:
    total, count = packet
    shares = split_cents(total, count, random.Random(seed))
    assert shares == split_cents(total, count, random.Random(seed))
    assert sum(shares) == total and min(shares) >= 1


def test_minimum_total_gives_one_cent_each() -> None:
    assert split_cents(MAX_COUNT, MAX_COUNT) == [1] * MAX_COUNT
    assert split_cents(1, 1) == [1]
    assert split_cents(MAX_TOTAL_CENTS, 1) == [MAX_TOTAL_CENTS]


@pytest.mark.parametrize(
    ("total", "count"), [(0, 1), (5, 6), (MAX_TOTAL_CENTS + 1, 10), (10, 0), (2000, MAX_COUNT + 1)]
)
def test_out_of_range_is_refused(total: int, count: int) -> None:
    with pytest.raises(ValueError):
        split_cents(total, count)


def test_shares_are_random_and_no_position_is_favoured() -> None:
    """10,000 cents in 10 shares, 2,000 times: every position averages about 1,000 cents."""
    runs = [split_cents(10_000, 10) for _ in range(2_000)]
    for position in range(10):
        mean = statistics.fmean(run[position] for run in runs)
        # A share's standard deviation is about 577 cents, so its mean over 2,000 runs has a
        # standard error near 13: 60 cents off is beyond chance (4.6 standard errors).
        assert 940 < mean < 1060, (position, mean)
    assert len({tuple(run) for run in runs}) == len(runs)  # not a fixed pattern
    spread = statistics.pstdev(s for run in runs for s in run)
    assert 450 < spread < 800  # neither near-equal shares nor winner-takes-all

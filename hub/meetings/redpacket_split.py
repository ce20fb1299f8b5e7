"""Splitting a red packet into random shares of whole cents: each at least 1, summing exactly."""

from __future__ import annotations

import random
import secrets

MIN_COUNT = 1
MAX_COUNT = 1_000
MAX_TOTAL_CENTS = 20_000_000
# Integer weights: the split is done in exact integer arithmetic, never in floats.
_WEIGHT_BITS = 32


def split_cents(total_cents: int, count: int, rng: random.Random | None = None) -> list[int]:
    """`count` random shares of `total_cents`: every share >= 1 cent, the sum exactly the total.

    One cent is reserved for each share; the rest is divided in proportion to independent
    random weights (the original's idea, in cents), rounding down and handing the cents left
    over to the largest remainders, so no share is biased by its position.
    """
    if not MIN_COUNT <= count <= MAX_COUNT:
        raise ValueError(f"count must be {MIN_COUNT} to {MAX_COUNT}")
    if not count <= total_cents <= MAX_TOTAL_CENTS:
        raise ValueError(f"total_cents must be {count} to {MAX_TOTAL_CENTS}")
    rng = rng or secrets.SystemRandom()
    rest = total_cents - count
    weights = [rng.randrange(1, 1 << _WEIGHT_BITS) for _ in range(count)]
    total_weight = sum(weights)
    shares: list[int] = []
    remainders: list[tuple[int, float, int]] = []
    for i, weight in enumerate(weights):
        whole, remainder = divmod(rest * weight, total_weight)
        shares.append(1 + whole)
        # Ties between equal remainders are broken at random, not by position.
        remainders.append((remainder, rng.random(), i))
    left = total_cents - sum(shares)  # 0 <= left < count
    for _, _, i in sorted(remainders, reverse=True)[:left]:
        shares[i] += 1
    return shares

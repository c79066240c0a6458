"""Which of a list of hulls (bounds per dimension) meet a given one: an index for the
question lint asks for every dead rule about every earlier rule.

Two intervals [c, d] and [a, b] meet when c <= b and a <= d. Sorted by c, the hulls with
c <= b are a prefix; sorted by d, those with d >= a are a suffix. Each prefix and suffix is
kept as a bit set (a Python int, bit i for position i), so a query is two bisections and
two ANDs per dimension instead of a pass over every hull; the answer is the same positions,
in increasing order (``tests/engines/test_hull_index.py`` compares it with the plain pass).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence

Hull = tuple[tuple[int, int], ...]


class HullIndex:
    """Positions of ``hulls`` (None: nothing there, never returned), all with the same
    number of dimensions."""

    def __init__(self, hulls: Sequence[Hull | None]) -> None:
        present = [(i, h) for i, h in enumerate(hulls) if h is not None]
        self.size = len(hulls)
        self.present = sum(1 << i for i, _ in present)
        self._dims: list[tuple[list[int], list[int], list[int], list[int]]] = []
        ndims = len(present[0][1]) if present else 0
        for d in range(ndims):
            by_lo = sorted(present, key=lambda x: x[1][d][0])
            by_hi = sorted(present, key=lambda x: x[1][d][1])
            los = [h[d][0] for _, h in by_lo]
            his = [h[d][1] for _, h in by_hi]
            prefix = [0]  # prefix[k]: the first k hulls by lower bound
            for i, _ in by_lo:
                prefix.append(prefix[-1] | (1 << i))
            suffix = [0]  # built backwards: suffix[k] then holds the hulls from k on by upper bound
            for i, _ in reversed(by_hi):
                suffix.append(suffix[-1] | (1 << i))
            suffix.reverse()
            self._dims.append((los, prefix, his, suffix))

    def meeting(self, hull: Hull, below: int) -> Iterator[int]:
        """The positions under ``below`` whose hulls meet ``hull`` in every dimension, in
        increasing order."""
        found = self.present & ((1 << min(below, self.size)) - 1)
        for (lo, hi), (los, prefix, his, suffix) in zip(hull, self._dims):
            if not found:
                return
            found &= prefix[bisect_right(los, hi)] & suffix[bisect_left(his, lo)]
        while found:
            low = found & -found
            yield low.bit_length() - 1
            found ^= low


__all__ = ["Hull", "HullIndex"]

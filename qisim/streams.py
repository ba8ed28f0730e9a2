"""Random streams: common random numbers by design.

Every random quantity of the model (sickness, turnover, session attendance, the cascade, ...) has
its own stream, and every member of staff, ward and QI team member a fixed **slot** in it. A draw
is a pure function of ``(seed, quantity, day, slot, sub)``: a counter-based generator, so no draw
depends on how many numbers anyone else drew before it. Two runs on one seed that differ in one
setting therefore draw the same numbers wherever the setting has not changed who or what is
drawing: a plan that changes the cascade keeps the rosters, a lesson that changes one ward's
manager keeps every other ward's sickness, agency cover and patient events (the design of
Starsim's common random numbers; ODD §7 Stochasticity).

The generator hashes the counter ``(day, slot, sub)`` under the key ``(seed, quantity)`` with the
SplitMix64 finaliser (Steele, Lea & Flood 2014), chained once per word; each step is a bijection
of 64 bits with full avalanche, so neighbouring days, slots and subs give unrelated numbers.
``tests/test_streams.py`` checks uniformity, independence between neighbours and the paired
property.

Slots: a ward's slot comes from its name (so adding, removing or resizing another ward moves
nothing), a member of staff's from the ward's slot and the post's place in the ward, and a
newcomer who takes over a post takes a fresh slot (:func:`fresh_slots`), so a leaver's
successor does not inherit the draws the leaver would have had.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import llvmlite.binding
import numba
import numpy as np
from numba.extending import get_cython_function_address
from scipy.special import ndtri

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio, SplitMix64's increment
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_ONE = np.uint64(1)
_U64 = np.dtype(np.uint64)
_F64 = np.dtype(np.float64)
_TO_UNIT = 2.0**-53
POISSON_CHUNK = 30.0  # inversion is exact for any mean; larger means are summed in chunks
FIXED_NORMAL_RANGE = (0.01, 0.99)  # FixedStreams' uniform kept off the tails for a normal

# scipy's ndtri (the C function behind scipy.special.ndtri, so the same numbers) for kernels:
# linked by name, so kernels that call it can be cached
llvmlite.binding.add_symbol(
    "qisim_ndtri", get_cython_function_address("scipy.special.cython_special", "ndtri")
)
_ndtri = numba.types.ExternalFunction("qisim_ndtri", numba.float64(numba.float64))


@numba.njit(inline="always", cache=True)
def _mix(z):
    """SplitMix64's finaliser: a bijection of uint64 with full avalanche."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@numba.njit(inline="always", cache=True)
def _draw(key, day, slot, sub):
    """64 random bits for one counter ``(day, slot, sub)`` under ``key``."""
    h = _mix(key + slot * _GOLDEN)
    h = _mix(h + (np.uint64(day) + _ONE) * _GOLDEN)
    return _mix(h + (np.uint64(sub) + _ONE) * _GOLDEN)


@numba.njit(inline="always", cache=True)
def unit(key, day, slot, sub):
    """A uniform number in [0, 1) for one counter (53 random bits)."""
    return np.float64(_draw(key, day, slot, sub) >> _S11) * _TO_UNIT


@numba.njit(inline="always", cache=True)
def draw_unit(key, fixed, day, slot, sub):
    """:func:`unit`, or ``fixed`` when it is >= 0 (:class:`FixedStreams`): what compiled
    kernels call, with ``key = streams.key(quantity)`` and ``fixed = streams.fixed``."""
    if fixed >= 0.0:
        return fixed
    return unit(key, day, slot, sub)


@numba.njit(inline="always", cache=True)
def draw_normal(key, fixed, day, slot, sub):
    """A standard normal number for one counter, what ``streams.normal(quantity, day, slots,
    0, 1, sub)`` gives that slot (or, under :class:`FixedStreams`, its fixed normal): for
    compiled kernels, with the arguments of :func:`draw_unit`."""
    if fixed >= 0.0:
        return _ndtri(min(max(fixed, FIXED_NORMAL_RANGE[0]), FIXED_NORMAL_RANGE[1]))
    return _ndtri(unit(key, day, slot, sub) + 0.5 * _TO_UNIT)


@numba.njit(cache=True)
def _uniform(key, day, slots, sub, out):
    for i in range(slots.size):
        out[i] = unit(key, day, slots[i], sub)


@numba.njit(cache=True)
def _poisson_from_unit(lam, u):
    """Inversion: the smallest k with P(X <= k) > u, for a mean ``lam`` <= POISSON_CHUNK."""
    p = np.exp(-lam)
    cdf = p
    k = 0
    while u >= cdf and p > 0.0:
        k += 1
        p *= lam / k
        cdf += p
    return k


@numba.njit(inline="always", cache=True)
def _poisson_count(key, day, slot, lam):
    """One Poisson count of mean ``lam`` for one slot (-1 if the mean is negative or not
    finite): one uniform per ``POISSON_CHUNK`` of the mean, the counts summed."""
    if not (0.0 <= lam < np.inf):
        return -1
    left = lam
    total = 0
    chunk = 0
    while left > 0.0:
        part = min(left, POISSON_CHUNK)
        total += _poisson_from_unit(part, unit(key, day, slot, chunk))
        left -= part
        chunk += 1
    return total


@numba.njit(inline="always", cache=True)
def draw_poisson(key, fixed, day, slot, lam):
    """What ``streams.poisson`` gives one slot, for compiled kernels (as :func:`draw_unit`):
    under :class:`FixedStreams` (``fixed`` >= 0) the inversion of ``fixed``; -1 if the mean is
    negative or not finite."""
    if fixed >= 0.0:
        if not (0.0 <= lam < np.inf):
            return -1
        return _poisson_from_unit(lam, fixed)
    return _poisson_count(key, day, slot, lam)


@numba.njit(cache=True)
def _poisson(key, day, slots, lam, out):
    """Fills ``out``; False (and ``out`` unfinished) if a mean is negative or not finite."""
    for i in range(slots.size):
        count = _poisson_count(key, day, slots[i], lam[i])
        if count < 0:
            return False
        out[i] = count
    return True


def _crc(text: str) -> np.uint64:
    return np.uint64(zlib.crc32(text.encode("utf-8")))


def _mix_py(z: np.uint64) -> np.uint64:
    """:func:`_mix` for one number in plain numpy (wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        z = np.uint64(z)
        z = (z ^ (z >> _S30)) * _M1
        z = (z ^ (z >> _S27)) * _M2
        return z ^ (z >> _S31)


def name_slots(namespace: str, names: Iterable[str]) -> np.ndarray:
    """Slots (uint64) for named entities, e.g. wards by name: the same name always has the same
    slot, whatever else the scenario holds."""
    with np.errstate(over="ignore"):
        return np.array(
            [_mix_py(_crc(namespace) * _GOLDEN + _crc(str(n))) for n in names], dtype=np.uint64
        )


def member_slots(owner: np.ndarray, place: np.ndarray) -> np.ndarray:
    """Slots for members of a group: the owner's slot (e.g. the ward's) and the member's place in
    it (0, 1, ...), both arrays of one length."""
    with np.errstate(over="ignore"):
        z = owner.astype(np.uint64) + (place.astype(np.uint64) + _ONE) * _M1
    return _mix_array(z)


def fresh_slots(slots: np.ndarray) -> np.ndarray:
    """The slots a post's next holders take (a newcomer replacing a leaver): new and distinct,
    and the same in any run where the same posts change hands."""
    return _fresh_slots(np.ascontiguousarray(slots, dtype=np.uint64))


@numba.njit(inline="always", cache=True)
def fresh_slot(slot):
    """:func:`fresh_slots` for one slot (uint64), for compiled kernels."""
    return _mix(slot + _GOLDEN)


@numba.njit(cache=True)
def _fresh_slots(slots):
    out = np.empty_like(slots)
    for i in range(slots.size):
        out[i] = fresh_slot(slots[i])
    return out


@numba.njit(cache=True)
def _mix_array(z):
    out = np.empty_like(z)
    for i in range(z.size):
        out[i] = _mix(z[i])
    return out


class _Keys(dict):
    """Streams' keys by quantity, each hashed from the seed's base when first asked for."""

    def __init__(self, base: np.uint64) -> None:
        super().__init__()
        self.base = base

    def __missing__(self, quantity: str) -> np.uint64:
        with np.errstate(over="ignore"):
            key = _mix_py(self.base + _crc(quantity) * _M2)
        self[quantity] = key
        return key


class RandomStreams:
    """The model's random numbers, one stream per quantity (see the module docstring).

    Args:
        seed: an int, a ``numpy.random.SeedSequence`` or a ``numpy.random.Generator`` (one
            number is drawn from a Generator to key the streams); ``None`` for fresh entropy.

    Every method takes the quantity's name (e.g. ``"sickness"``), the day (an int >= 0), the
    slots (a uint64 array, see :func:`name_slots`, :func:`member_slots`) and optionally ``sub``,
    a further counter (an int >= 0) for several draws of one quantity by one slot on one day.
    Results have the slots' shape. The same arguments always give the same numbers.
    """

    def __init__(self, seed=0) -> None:
        if isinstance(seed, np.random.Generator):
            seed = np.random.SeedSequence(int(seed.integers(0, 2**63)))
        elif not isinstance(seed, np.random.SeedSequence):
            seed = np.random.SeedSequence(seed)
        self.seed_sequence = seed
        self.fixed = -1.0  # a compiled kernel draws with draw_unit(key, fixed, ...): -1 = random
        self._base = seed.generate_state(1, np.uint64)[0]
        self._keys = _Keys(self._base)
        # key(quantity): the stream's key, (seed, quantity) hashed (a dict look-up: called many
        # times a day)
        self.key = self._keys.__getitem__

    def uniform(self, quantity: str, day: int, slots: np.ndarray, sub=0) -> np.ndarray:
        """Uniform numbers in [0, 1), one per slot."""
        if (
            type(sub) is int
            and type(slots) is np.ndarray
            and slots.dtype == _U64
            and slots.ndim == 1
        ):
            out = np.empty(slots.size)
            _uniform(self.key(quantity), day, slots, sub, out)
            return out
        flat = np.ascontiguousarray(slots, dtype=np.uint64).reshape(-1)
        out = np.empty(flat.size)
        _uniform(self.key(quantity), int(day), flat, int(sub), out)
        return out.reshape(np.shape(slots))

    def normal(
        self, quantity: str, day: int, slots: np.ndarray, loc=0.0, scale=1.0, sub=0
    ) -> np.ndarray:
        """Normal numbers, one per slot (inverse of the normal CDF at a uniform kept off 0)."""
        u = self.uniform(quantity, day, slots, sub)
        if u.ndim and isinstance(loc, (int, float)) and isinstance(scale, (int, float)):
            u += 0.5 * _TO_UNIT  # the same numbers, computed in place
            ndtri(u, out=u)
            u *= scale
            u += loc
            return u
        return loc + scale * ndtri(u + 0.5 * _TO_UNIT)

    def poisson(self, quantity: str, day: int, slots: np.ndarray, lam) -> np.ndarray:
        """Poisson counts with means ``lam`` (broadcast to the slots), one per slot (by
        inversion: one uniform per ``POISSON_CHUNK`` of mean)."""
        if (
            type(slots) is np.ndarray
            and slots.dtype == _U64
            and slots.ndim == 1
            and slots.flags.c_contiguous
            and type(lam) is np.ndarray
            and lam.dtype == _F64
            and lam.shape == slots.shape
            and lam.flags.c_contiguous
        ):  # the common case: no conversions
            flat, shape = slots, slots.shape
        else:
            shape = np.shape(slots)
            flat = np.ascontiguousarray(slots, dtype=np.uint64).reshape(-1)
            lam = np.ascontiguousarray(np.broadcast_to(lam, shape), float).reshape(-1)
        out = np.empty(flat.size, dtype=np.int64)
        if not _poisson(self.key(quantity), int(day), flat, lam, out):
            raise ValueError(f"poisson {quantity!r}: means must be finite and >= 0")
        return out.reshape(shape)

    def order(self, quantity: str, day: int, slots: np.ndarray) -> np.ndarray:
        """A random order of the slots (indices, as ``argsort`` gives them)."""
        return np.argsort(self.uniform(quantity, day, slots), kind="stable")


class FixedStreams(RandomStreams):
    """Streams whose every uniform is ``u`` (for tests that fix the draws: every normal is the
    normal quantile of ``u`` kept off the tails, every Poisson count the inversion of ``u``)."""

    def __init__(self, u: float) -> None:
        super().__init__(0)
        self.u = self.fixed = float(u)

    def uniform(self, quantity, day, slots, sub=0):
        return np.full(np.shape(slots), self.u)

    def normal(self, quantity, day, slots, loc=0.0, scale=1.0, sub=0):
        z = float(ndtri(min(max(self.u, FIXED_NORMAL_RANGE[0]), FIXED_NORMAL_RANGE[1])))
        return np.full(np.shape(slots), loc + scale * z)

    def poisson(self, quantity, day, slots, lam):
        lam = np.broadcast_to(np.asarray(lam, float), np.shape(slots))
        out = [_poisson_from_unit(float(x), self.u) for x in lam.reshape(-1)]
        return np.array(out, dtype=np.int64).reshape(np.shape(slots))


__all__ = [
    "FixedStreams",
    "draw_normal",
    "draw_poisson",
    "draw_unit",
    "RandomStreams",
    "fresh_slot",
    "fresh_slots",
    "member_slots",
    "name_slots",
    "unit",
]

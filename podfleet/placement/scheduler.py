"""The placement decision: which zone and spec a pod gets now, or why not, and the queue.

Pure and synchronous (no I/O, no asyncio) so it can be tested and benchmarked alone;
`PlacementProvider` drives it. Rules (eci.md §3–§5):

- specs are tried in the pod's order; for each spec the zones (VSwitchOrdered: listed
  order, first that fits; VSwitchRandom: any that fits) — so a spec out of stock in every
  zone makes the pod get the next spec;
- a serverless zone charges the whole spec against its capacity, a kubelet-like zone
  charges the pod's requests; a zone's `stock` caps how many instances of a spec run in
  it at once (0 = sold out); `pods` caps the pod count;
- a pod that no zone could hold even empty (or whose specs are sold out everywhere) can
  never be placed and fails at once whatever its fail strategy;
- waiting pods are kept per "shape" (specs, requests, eligible zones): pods of one shape
  are interchangeable, so when capacity frees the queue is walked in submission order
  but a shape that does not fit is skipped as a whole — O(placed + shapes), not
  O(queue), which keeps 10,000 waiting pods cheap.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from podfleet.placement.fleet import Fleet, Zone
from podfleet.placement.intent import Intent
from podfleet.placement.specs import Spec

Key = tuple[str, str]


@dataclass
class ZoneState:
    zone: Zone
    cpu: float = 0.0
    memory_gib: float = 0.0
    pods: int = 0
    stock_used: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Placement:
    zone: str
    spec: Spec
    charged: tuple[float, float]  # what counts against the zone's cpu / memory


@dataclass(frozen=True)
class Shortage:
    message: str
    never: bool  # no zone could ever take it: fail now whatever the fail strategy


@dataclass
class _Waiting:
    seq: int
    key: Key
    intent: Intent
    payload: Any
    deadline: float
    shape: Hashable
    alive: bool = True


def _fmt(value: float) -> str:
    return f"{value:g}"


class Scheduler:
    def __init__(self, fleet: Fleet, rng: random.Random | None = None) -> None:
        self.fleet = fleet
        self.rng = rng or random.Random()
        self.states = {z.name: ZoneState(z) for z in fleet.zones}
        self.placed: dict[Key, Placement] = {}
        self._eligible_cache: dict[tuple[bool, tuple[str, ...]], list[ZoneState]] = {}
        self._queues: dict[Hashable, deque[_Waiting]] = {}
        self._heads: list[tuple[int, int, Hashable]] = []  # (seq, tiebreak, shape), lazily cleaned
        self._deadlines: list[tuple[float, int, Key]] = []
        self._waiting: dict[Key, _Waiting] = {}
        self._seq = 0

    # -- zones -------------------------------------------------------------------------
    def eligible(self, intent: Intent) -> list[ZoneState]:
        """Zones this pod may land in, in the order VSwitchOrdered tries them."""
        cache_key = (intent.eci, intent.vswitches)
        found = self._eligible_cache.get(cache_key)
        if found is None:
            base = [self.states[n] for n in intent.vswitches if n in self.states] if intent.vswitches else \
                list(self.states.values())
            serverless = [s for s in base if s.zone.serverless]
            nodes = [s for s in base if not s.zone.serverless]
            # ECI pods go to serverless zones when there are any (on a laptop there are none);
            # other pods stay on kubelet-like zones unless the fleet is serverless-only.
            found = (serverless or nodes) if intent.eci else (nodes or serverless)
            self._eligible_cache[cache_key] = found
        return found

    @staticmethod
    def _fits(st: ZoneState, spec: Spec, charge: tuple[float, float]) -> bool:
        """`_room(...) is None` without building messages: the queue's hot path."""
        z = st.zone
        stock = z.stock.get(spec.name)
        return not ((stock is not None and st.stock_used.get(spec.name, 0) >= stock)
                    or (z.pods is not None and st.pods >= z.pods)
                    or (z.cpu is not None and st.cpu + charge[0] > z.cpu + 1e-9)
                    or (z.memory_gib is not None and st.memory_gib + charge[1] > z.memory_gib + 1e-9))

    def _room(self, st: ZoneState, spec: Spec, charge: tuple[float, float]) -> str | None:
        """None if the zone can take one more pod of this spec now, else why not."""
        z = st.zone
        stock = z.stock.get(spec.name)
        if stock is not None and st.stock_used.get(spec.name, 0) >= stock:
            return f"{spec.name} out of stock ({stock} in stock)" if stock else f"{spec.name} out of stock"
        if z.pods is not None and st.pods >= z.pods:
            return f"{st.pods}/{z.pods} pods in use"
        if z.cpu is not None and st.cpu + charge[0] > z.cpu + 1e-9:
            return f"needs {_fmt(charge[0])} vCPU, {_fmt(max(0.0, z.cpu - st.cpu))} of {_fmt(z.cpu)} free"
        if z.memory_gib is not None and st.memory_gib + charge[1] > z.memory_gib + 1e-9:
            return (f"needs {_fmt(charge[1])} GiB, {_fmt(round(max(0.0, z.memory_gib - st.memory_gib), 2))} of "
                    f"{_fmt(z.memory_gib)} free")
        return None

    def impossible(self, intent: Intent) -> str | None:
        """Why no zone could ever take this pod (too large, sold out everywhere), or None."""
        zones = self.eligible(intent)
        for spec in intent.specs:
            for st in zones:
                if st.zone.holds(spec.cpu, spec.memory_gib) and st.zone.stock.get(spec.name) != 0:
                    return None
        if not zones:
            return f"no zone matches vSwitches {', '.join(intent.vswitches)}"
        names = ", ".join(s.name for s in intent.specs)
        largest = ", ".join(f"{st.zone.name} ({_fmt(st.zone.cpu) if st.zone.cpu is not None else '∞'} vCPU / "
                            f"{_fmt(st.zone.memory_gib) if st.zone.memory_gib is not None else '∞'} GiB)"
                            for st in zones)
        return f"no zone can ever take a pod of {names}: each is sold out or larger than every zone: {largest}"

    def try_place(self, key: Key, intent: Intent, *, explain: bool = True) -> Placement | Shortage:
        """Place the pod now if some zone has room (recording it), else say why not
        (`explain=False`: an empty reason, for callers that only need the answer)."""
        zones = self.eligible(intent)
        if not zones:
            return Shortage(f"no zone matches vSwitches {', '.join(intent.vswitches)}", True)
        reasons: list[str] = []
        never = True
        for spec in intent.specs:
            charge = (spec.cpu, spec.memory_gib)
            fits: list[ZoneState] = []
            for st in zones:
                if not st.zone.holds(spec.cpu, spec.memory_gib):
                    if explain:
                        reasons.append(f"{st.zone.name}: {spec.name} is larger than the zone")
                    continue
                if st.zone.stock.get(spec.name) != 0:
                    never = False
                wanted = charge if st.zone.serverless else intent.requests
                if not explain:
                    why = None if self._fits(st, spec, wanted) else ""
                else:
                    why = self._room(st, spec, wanted)
                if why is None:
                    fits.append(st)
                    if intent.ordered:
                        break
                elif explain and len(reasons) < 12:
                    reasons.append(f"{st.zone.name}: {why}")
            if fits:
                st = fits[0] if intent.ordered else self.rng.choice(fits)
                placement = Placement(st.zone.name, spec, charge if st.zone.serverless else intent.requests)
                self.occupy(key, placement)
                return placement
        specs = ", ".join(s.name for s in intent.specs)
        return Shortage(f"no zone can take a pod of {specs}: " + "; ".join(reasons), never)

    def occupy(self, key: Key, placement: Placement) -> None:
        st = self.states.get(placement.zone)
        if st is None or key in self.placed:
            return
        self.placed[key] = placement
        st.cpu += placement.charged[0]
        st.memory_gib += placement.charged[1]
        st.pods += 1
        st.stock_used[placement.spec.name] = st.stock_used.get(placement.spec.name, 0) + 1

    def release(self, key: Key) -> Placement | None:
        placement = self.placed.pop(key, None)
        if placement is None:
            return None
        st = self.states[placement.zone]
        st.cpu = max(0.0, st.cpu - placement.charged[0])
        st.memory_gib = max(0.0, st.memory_gib - placement.charged[1])
        st.pods -= 1
        st.stock_used[placement.spec.name] -= 1
        return placement

    # -- the queue -----------------------------------------------------------------------
    def enqueue(self, key: Key, intent: Intent, payload: Any, now: float) -> None:
        if key in self._waiting:
            return
        shape = (tuple(s.name for s in intent.specs), intent.requests, intent.eci, intent.vswitches)
        self._seq += 1
        item = _Waiting(self._seq, key, intent, payload, now + intent.max_pending_seconds, shape)
        self._waiting[key] = item
        queue = self._queues.setdefault(shape, deque())
        if not queue:
            heapq.heappush(self._heads, (item.seq, item.seq, shape))
        queue.append(item)
        heapq.heappush(self._deadlines, (item.deadline, item.seq, key))

    def waiting(self, key: Key) -> bool:
        return key in self._waiting

    def __len__(self) -> int:
        return len(self._waiting)

    def remove(self, key: Key) -> Any:
        """Take a waiting pod out of the queue; its payload, or None if it was not waiting."""
        item = self._waiting.pop(key, None)
        if item is None:
            return None
        item.alive = False
        return item.payload

    def _head(self, shape: Hashable) -> _Waiting | None:
        queue = self._queues.get(shape)
        while queue and not queue[0].alive:
            queue.popleft()
        if not queue:
            self._queues.pop(shape, None)
            return None
        return queue[0]

    def drain(self) -> list[tuple[Key, Any, Placement]]:
        """Place waiting pods that fit now, oldest first; a shape that does not fit is skipped whole."""
        placed: list[tuple[Key, Any, Placement]] = []
        blocked: list[tuple[int, int, Hashable]] = []
        while self._heads:
            seq, tie, shape = heapq.heappop(self._heads)
            head = self._head(shape)
            if head is None:
                continue
            if head.seq != seq:  # stale entry: the old head left; requeue the live one
                heapq.heappush(self._heads, (head.seq, head.seq, shape))
                continue
            result = self.try_place(head.key, head.intent, explain=False)
            if isinstance(result, Shortage):
                blocked.append((seq, tie, shape))
                continue
            self._queues[shape].popleft()
            head.alive = False
            del self._waiting[head.key]
            placed.append((head.key, head.payload, result))
            nxt = self._head(shape)
            if nxt is not None:
                heapq.heappush(self._heads, (nxt.seq, nxt.seq, shape))
        for entry in blocked:
            heapq.heappush(self._heads, entry)
        return placed

    def next_deadline(self) -> float | None:
        while self._deadlines and self._deadlines[0][2] not in self._waiting:
            heapq.heappop(self._deadlines)
        return self._deadlines[0][0] if self._deadlines else None

    def expire(self, now: float) -> list[tuple[Key, Any, Intent]]:
        """Waiting pods past their eci-max-pending-minute, taken out of the queue."""
        gone: list[tuple[Key, Any, Intent]] = []
        while self._deadlines and self._deadlines[0][0] <= now:
            _, seq, key = heapq.heappop(self._deadlines)
            item = self._waiting.get(key)
            if item is not None and item.seq == seq:
                self.remove(key)
                gone.append((key, item.payload, item.intent))
        return gone


__all__ = ["Scheduler", "Placement", "Shortage", "ZoneState", "Key"]

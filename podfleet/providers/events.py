"""Pod status events fanned out to every `events()` consumer.

Each consumer gets its own unbounded queue, so publishing never waits for a slow reader
(the provider contract's "never blocks the provider"), and each gets its own copy of a
status, so one reader cannot change what another sees.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from dataclasses import replace

from podfleet.providers.contract import PodStatus


def copy_status(status: PodStatus) -> PodStatus:
    """A copy safe to hand out (callers may mutate it); much cheaper than deepcopy on the hot path."""
    task = status.task_result
    return replace(
        status,
        containers=[replace(c) for c in status.containers],
        task_result=replace(task, parameters=dict(task.parameters), artifacts=copy.deepcopy(task.artifacts))
        if task else None,
        labels=dict(status.labels), annotations=dict(status.annotations),
    )


class _Subscription:
    def __init__(self, owner: PodEvents) -> None:
        self._owner = owner
        self.queue: asyncio.Queue[PodStatus | None] = asyncio.Queue()

    def __aiter__(self) -> _Subscription:
        return self

    async def __anext__(self) -> PodStatus:
        item = await self.queue.get()
        if item is None:
            await self.aclose()
            raise StopAsyncIteration
        return item

    async def aclose(self) -> None:
        self._owner.unsubscribe(self)


class PodEvents:
    """The subscribers of one provider."""

    def __init__(self) -> None:
        self._subscribers: list[_Subscription] = []

    def subscribe(self) -> AsyncIterator[PodStatus]:
        sub = _Subscription(self)
        self._subscribers.append(sub)
        return sub

    def unsubscribe(self, sub: _Subscription) -> None:
        if sub in self._subscribers:
            self._subscribers.remove(sub)

    def publish(self, status: PodStatus) -> None:
        for sub in self._subscribers:
            sub.queue.put_nowait(copy_status(status))

    def close(self) -> None:
        """End every consumer's iteration."""
        for sub in list(self._subscribers):
            sub.queue.put_nowait(None)


__all__ = ["PodEvents", "copy_status"]

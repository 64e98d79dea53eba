from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from podfleet.providers.process import ProcessProvider


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def run(home: Path) -> Callable[[Callable[[ProcessProvider], Awaitable[Any]]], Any]:
    """Run an async test body against a fresh provider, closing it afterwards."""

    def runner(body: Callable[[ProcessProvider], Awaitable[Any]], **kwargs: Any) -> Any:
        async def main() -> Any:
            provider = ProcessProvider(home, **kwargs)
            try:
                return await body(provider)
            finally:
                await provider.close()
        return asyncio.run(main())

    return runner

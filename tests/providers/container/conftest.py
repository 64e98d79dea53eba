from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from podfleet.providers.container import ContainerProvider, discover  # noqa: E402

KIT = "scripts/test-images/setup.sh"


@pytest.fixture(scope="session")
def engine():
    found = discover()
    if found is None:
        pytest.fail(f"no container engine is reachable: run `{KIT}` (as root) to install podman, "
                    "the local registry and the test images", pytrace=False)
    return found


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def run(home: Path, engine) -> Callable[..., Any]:
    """Run an async test body against a fresh provider, closing it afterwards."""

    def runner(body: Callable[[ContainerProvider], Awaitable[Any]], **kwargs: Any) -> Any:
        async def main() -> Any:
            provider = ContainerProvider(home, engine=engine, **kwargs)
            try:
                return await body(provider)
            finally:
                await provider.close()
        return asyncio.run(main())

    return runner

"""Choosing a provider by name: `--provider` / `$PODFLEET_PROVIDER`."""

from __future__ import annotations

from podfleet.config import Settings
from podfleet.errors import ProviderError
from podfleet.providers.contract import Provider

PROVIDERS = ("auto", "process", "container")


def open_provider(name: str, settings: Settings) -> Provider:
    """The provider called `name`; `auto` picks containers when an engine is reachable."""
    if name not in PROVIDERS:
        raise ProviderError(f"unknown provider {name!r}; choose one of: {', '.join(PROVIDERS)}")
    if name == "container":
        raise ProviderError("the container provider is not available yet: no container engine support "
                            "in this build; use --provider process")
    from podfleet.providers.process import ProcessProvider

    return ProcessProvider(settings.home)

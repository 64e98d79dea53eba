"""Choosing a provider by name: `--provider` / `$PODFLEET_PROVIDER`.

`auto` runs pods as real containers when a container engine answers (a quick probe of
DOCKER_HOST / the Docker socket / the Podman socket, starting podman's service when
podman is installed), and falls back to the process provider with a one-line note
otherwise. `container` insists on an engine and says why there is none.
"""

from __future__ import annotations

import logging
from typing import Any

from podfleet.config import Settings
from podfleet.errors import NotFoundError, ProviderError
from podfleet.providers.contract import Provider

PROVIDERS = ("auto", "process", "container")

log = logging.getLogger("podfleet.providers")


class StoreLookup:
    """Secrets and ConfigMaps for the container provider, read from the store on demand.

    Opened lazily: most pods never reference one, and opening the store costs a file open.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Any = None

    def store(self) -> Any:
        if self._store is None:
            from podfleet.store import open_store

            self._store = open_store(self.settings.store_path)
        return self._store

    async def aclose(self) -> None:
        if self._store is not None:
            await self._store.close()
            self._store = None

    async def __call__(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            return dict(await self.store().get(kind, namespace, name))
        except NotFoundError:
            return None


def open_container_provider(settings: Settings, engine: Any = None) -> Provider:
    from podfleet.imagecache import StoreCacheHooks
    from podfleet.providers.container import ContainerProvider

    lookup = StoreLookup(settings)
    return ContainerProvider(settings.home, engine=engine, lookup=lookup, caches=StoreCacheHooks(lookup.store))


def open_provider(name: str, settings: Settings) -> Provider:
    """The provider called `name`; `auto` picks containers when an engine is reachable.
    Either serves `persistentVolumeClaim`s that name a Fluid Dataset (podfleet.datacache)."""
    from podfleet.datacache.provider import with_datasets

    return with_datasets(_open_provider(name, settings), settings)  # type: ignore[return-value]


def _open_provider(name: str, settings: Settings) -> Provider:
    if name not in PROVIDERS:
        raise ProviderError(f"unknown provider {name!r}; choose one of: {', '.join(PROVIDERS)}")
    if name in ("container", "auto"):
        from podfleet.providers.container.engine import discover, why_not

        engine = discover()
        if engine is not None:
            return open_container_provider(settings, engine)
        if name == "container":
            raise ProviderError(f"--provider container: no container engine is reachable ({why_not()}); "
                                "install podman (apt-get install podman runc) or docker, or set DOCKER_HOST")
        log.warning("no container engine is reachable (%s): running pods as host processes "
                    "(--provider process); images are ignored", why_not())
    from podfleet.providers.process import ProcessProvider

    return ProcessProvider(settings.home)

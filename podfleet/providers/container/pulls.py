"""Image pulls: Kubernetes' imagePullPolicy, pull secrets, and one pull per image at a time.

Twenty pods of one uncached image must cause one pull, not twenty: pulls are
single-flight per image reference (later askers wait for the pull in flight). A pod
whose policy is IfNotPresent starts without pulling when the engine has the image.
Failures carry the engine's reason and Kubernetes' names for them: `ErrImagePull`,
`ErrImageNeverPull`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from podfleet.errors import NotFoundError, PodfleetError
from podfleet.providers.container.api import EngineAPI, explain
from podfleet.resources.pod import Container

log = logging.getLogger("podfleet.providers.container")

DOCKER_HUB = "docker.io"
_HUB_ALIASES = {"docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/"}


class PullError(PodfleetError):
    """An image could not be made available; `reason` is Kubernetes' waiting reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ImageRef:
    registry: str
    repository: str   # without the registry
    tag: str | None
    digest: str | None

    @property
    def pull_name(self) -> str:
        """repository as the engine's pull endpoint wants it (registry included unless Docker Hub)."""
        return self.repository if self.registry == DOCKER_HUB else f"{self.registry}/{self.repository}"


def parse_image(image: str) -> ImageRef:
    rest, digest = (image.split("@", 1) + [None])[:2] if "@" in image else (image, None)
    tag = None
    last = rest.rsplit("/", 1)[-1]
    if ":" in last:
        rest, tag = rest.rsplit(":", 1)
    first, _, remainder = rest.partition("/")
    if remainder and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, remainder
    else:
        registry, repository = DOCKER_HUB, rest
    if registry == DOCKER_HUB and "/" not in repository:
        repository = f"library/{repository}"
    return ImageRef(registry, repository, tag, digest)


def pull_policy(container: Container) -> str:
    """The container's policy, defaulted as Kubernetes does: `:latest` or no tag → Always."""
    policy = getattr(container, "image_pull_policy", None) or (container.model_extra or {}).get("imagePullPolicy")
    if policy in ("Always", "IfNotPresent", "Never"):
        return str(policy)
    ref = parse_image(str(container.image or ""))
    if ref.digest is None and (ref.tag is None or ref.tag == "latest"):
        return "Always"
    return "IfNotPresent"


def auth_for(image: str, dockerconfigs: list[dict[str, Any]]) -> dict[str, str] | None:
    """Credentials for the image's registry from `.dockerconfigjson` documents, first match wins."""
    registry = parse_image(image).registry
    for config in dockerconfigs:
        for server, entry in (config.get("auths") or {}).items():
            host = str(server).removeprefix("https://").removeprefix("http://").rstrip("/")
            host = host.removesuffix("/v1").removesuffix("/v2")
            same = host == registry or (registry == DOCKER_HUB and (host in _HUB_ALIASES or server in _HUB_ALIASES))
            if not same or not isinstance(entry, dict):
                continue
            username, password = entry.get("username"), entry.get("password")
            if (not username or password is None) and entry.get("auth"):
                try:
                    username, _, password = base64.b64decode(str(entry["auth"])).decode().partition(":")
                except (binascii.Error, UnicodeDecodeError):
                    raise PullError("ErrImagePull", f"the pull secret for {server} has an invalid auth field") from None
            if username:
                return {"username": str(username), "password": str(password or "")}
    return None


class ImagePuller:
    def __init__(self, api: EngineAPI) -> None:
        self.api = api
        self._inflight: dict[str, asyncio.Future[None]] = {}
        # How many pulls reached the engine (tests and benches read it).
        self.pulls = 0

    async def present(self, image: str) -> bool:
        try:
            await self.api.call(self.api.client.inspect_image, image)
        except NotFoundError:
            return False
        except PodfleetError:
            return False
        return True

    async def ensure(self, image: str, policy: str, auth: dict[str, str] | None = None,
                     progress: Callable[[str], None] | None = None, *, cached: bool = False) -> bool:
        """Make `image` available under `policy`; True when a pull happened. Raises PullError.

        `cached`: an image cache pins this image, so IfNotPresent never pulls it.
        """
        if policy == "Never" or (policy == "IfNotPresent" and cached):
            if await self.present(image):
                return False
            if policy == "Never":
                raise PullError("ErrImageNeverPull",
                                f'Container image "{image}" is not present with pull policy of Never')
        elif policy == "IfNotPresent" and await self.present(image):
            return False
        await self.pull(image, auth, progress)
        return True

    async def pull(self, image: str, auth: dict[str, str] | None = None,
                   progress: Callable[[str], None] | None = None) -> None:
        """Pull now, or join the pull of the same image already in flight.

        The pull runs as its own task: a pod deleted while waiting stops waiting, the
        pull goes on for the others.
        """
        task = self._inflight.get(image)
        if task is None:
            self.pulls += 1
            task = asyncio.ensure_future(self.api.call(self._pull_blocking, image, auth))
            self._inflight[image] = task
            task.add_done_callback(lambda _: self._inflight.pop(image, None))
        if progress:
            progress(f'Pulling image "{image}"')
        await asyncio.shield(task)

    def _pull_blocking(self, image: str, auth: dict[str, str] | None) -> None:
        ref = parse_image(image)
        tag = ref.digest or ref.tag or "latest"
        try:
            stream = self.api.client.pull(ref.pull_name, tag=tag, stream=True, decode=True, auth_config=auth)
            for message in stream:
                error = message.get("error") or (message.get("errorDetail") or {}).get("message")
                if error:
                    raise PullError("ErrImagePull", f'failed to pull image "{image}": {str(error).strip()}')
        except PullError:
            raise
        except Exception as err:  # noqa: BLE001 - the engine's words go to the node, whatever broke
            raise PullError("ErrImagePull", f'failed to pull image "{image}": {explain(err)}') from err


def dockerconfig_of(secret: dict[str, Any]) -> dict[str, Any] | None:
    """The parsed `.dockerconfigjson` of a `kubernetes.io/dockerconfigjson` Secret."""
    from podfleet.resources.kinds import Secret

    raw = Secret.model_validate(secret).decoded().get(".dockerconfigjson")
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        name = (secret.get("metadata") or {}).get("name")
        raise PullError("ErrImagePull", f'pull secret "{name}": .dockerconfigjson is not valid JSON') from None
    return data if isinstance(data, dict) else None


__all__ = ["ImagePuller", "PullError", "ImageRef", "parse_image", "pull_policy", "auth_for", "dockerconfig_of"]

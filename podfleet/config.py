"""Where podfleet keeps its state, and the few settings read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path
    namespace: str = "default"
    provider: str = "auto"

    @property
    def store_path(self) -> Path:
        return self.home / "store.db"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def artifacts_dir(self) -> Path:
        return self.home / "artifacts"


def settings_from_env(environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = Path(env.get("PODFLEET_HOME") or Path.home() / ".podfleet").expanduser()
    return Settings(
        home=home,
        namespace=env.get("PODFLEET_NAMESPACE") or env.get("ARGO_NAMESPACE") or "default",
        provider=env.get("PODFLEET_PROVIDER") or "auto",
    )

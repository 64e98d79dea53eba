"""The container provider: pods as real containers of Docker or Podman (Docker Engine API).

engine.py finds the engine, api.py makes its client async, podspec.py/volumes.py turn a
Pod into create requests, pulls.py pulls images (policy, secrets, single-flight),
fs.py is the executor's view of a container's files, watch.py sees exits, runner.py is
one pod's life, provider.py the Provider contract.
"""

from podfleet.providers.container.engine import Engine, discover, why_not
from podfleet.providers.container.provider import ContainerProvider

__all__ = ["ContainerProvider", "Engine", "discover", "why_not"]

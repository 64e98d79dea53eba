"""Client mode: the CLI talks to a `podfleet server` (or an argo-server) instead of a local store.

When `PODFLEET_SERVER` (or `ARGO_SERVER`) is set, `podfleet.cli.embedded.embedded()` yields a
`RemoteEnv` whose store speaks the REST API (`RemoteStore`), so every verb works unchanged;
nothing runs locally (no runner, no pods): `submit --wait` waits on the server.
"""

from podfleet.client.env import RemoteEnv, remote_env_from, server_settings
from podfleet.client.store import RemoteStore

__all__ = ["RemoteEnv", "RemoteStore", "remote_env_from", "server_settings"]

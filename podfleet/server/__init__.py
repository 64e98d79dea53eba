"""`podfleet server`: argo-server's REST API, the controller and the cron scheduler in one process.

Unmodified Argo clients (hera, the `argo-workflows` Python client, curl scripts written
for argo-server) drive podfleet with only the host changed. See `app.py` for the wiring;
routes live one resource per module.
"""

from podfleet.server.app import create_app
from podfleet.server.state import ServerState

__all__ = ["create_app", "ServerState"]

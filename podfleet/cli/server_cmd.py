"""`podfleet server` — argo-server's REST API, the controller and cron in one process."""

from __future__ import annotations

import click

from podfleet.config import settings_from_env


@click.command()
@click.option("--port", default=2746, show_default=True, type=int, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 exposes the API to the network: use --auth-mode client then).")
@click.option("--secure/--no-secure", default=False, show_default=True,
              help="Serve HTTPS with a self-signed certificate kept in $PODFLEET_HOME/tls.")
@click.option("--auth-mode", type=click.Choice(["server", "client"]), default="server", show_default=True,
              help="server: no token needed (a laptop); client: Bearer tokens from `podfleet auth token create`.")
@click.option("--provider", default=None, help="Pod provider: auto, process or container ($PODFLEET_PROVIDER).")
@click.option("--managed-namespace", default=None, help="Namespace shown by /api/v1/info.")
@click.option("--access-log", is_flag=True, help="Log every request (method, path, status; never headers).")
def server(port: int, host: str, secure: bool, auth_mode: str, provider: str | None,
           managed_namespace: str | None, access_log: bool) -> None:
    """Serve the Argo Workflows REST API (hera, argo-workflows clients) and run workflows."""
    from podfleet.server.serve import run

    settings = settings_from_env()
    click.echo(f"podfleet server on {'https' if secure else 'http'}://{host}:{port} "
               f"(auth mode {auth_mode}, store {settings.store_path})", err=True)
    run(settings, host=host, port=port, auth_mode=auth_mode, secure=secure,
        provider_name=provider or settings.provider, managed_namespace=managed_namespace, access_log=access_log)

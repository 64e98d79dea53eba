"""The process provider: each pod's containers as sandboxed processes on this host."""

from podfleet.providers.process.provider import ProcessProvider

__all__ = ["ProcessProvider"]

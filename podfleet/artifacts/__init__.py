"""Artifact repositories: where output artifacts go and input artifacts come from.

Only the small contract and the local folder repository live here for now; S3/OSS
repositories implement the same `ArtifactRepository` protocol later.
"""

from podfleet.artifacts.contract import ArtifactRepository
from podfleet.artifacts.local import LocalArtifactRepository

__all__ = ["ArtifactRepository", "LocalArtifactRepository"]

"""Artifact repositories: where output artifacts go and input artifacts come from.

`local` (a folder, the default), `s3` (AWS S3, MinIO, any S3-compatible store) and `oss`
(Alibaba OSS through its S3-compatible API) implement one small `ArtifactRepository`
contract; `podconfig` is how the controller tells a pod's executor which one to use.
"""

from podfleet.artifacts.contract import ArtifactRepository
from podfleet.artifacts.local import LocalArtifactRepository

__all__ = ["ArtifactRepository", "LocalArtifactRepository"]

"""ImageCache: pre-pulled, pinned images (ECI's `eci.alibabacloud.com/v1` ImageCache).

model.py is the kind (registered with podfleet.resources.kinds), hooks.py is what
the container provider asks of caches (match, auto-create after a pull) and the
reconcile that builds declared caches and expires old ones.
"""

from podfleet.imagecache.hooks import StoreCacheHooks, expired
from podfleet.imagecache.model import API_VERSION, KIND, ImageCache, cache_id

__all__ = ["ImageCache", "StoreCacheHooks", "API_VERSION", "KIND", "cache_id", "expired"]

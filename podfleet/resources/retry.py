"""retryStrategy: how often and when a failed node is tried again.

`limit` and `backoff.factor` are IntOrString in Argo (`limit: "3"` and `limit: 3` both
work, and so does `limit: "{{inputs.parameters.n}}"`), so they keep their YAML type;
`limit_int()` reads the number once templating has resolved it.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from podfleet.resources.base import ArgoModel, IntOrString, Str, int_or_string_value


class RetryPolicy(str, Enum):
    ALWAYS = "Always"
    ON_FAILURE = "OnFailure"
    ON_ERROR = "OnError"
    ON_TRANSIENT_ERROR = "OnTransientError"


class Backoff(ArgoModel):
    duration: IntOrString | None = None
    factor: IntOrString | None = None
    max_duration: IntOrString | None = None
    cap: IntOrString | None = None


class RetryAffinity(ArgoModel):
    node_anti_affinity: dict[str, Any] | None = None


class RetryStrategy(ArgoModel):
    limit: IntOrString | None = None
    retry_policy: RetryPolicy | None = None
    backoff: Backoff | None = None
    affinity: RetryAffinity | None = None
    expression: Str | None = None

    def limit_int(self) -> int | None:
        """The limit as a number; None when unset or not (yet) a number."""
        return int_or_string_value(self.limit)

    def effective_policy(self) -> RetryPolicy:
        """Argo's default: OnFailure, but Always when an `expression` is given (v3.5+)."""
        if self.retry_policy is not None:
            return self.retry_policy
        return RetryPolicy.ALWAYS if self.expression else RetryPolicy.ON_FAILURE


__all__ = ["RetryPolicy", "RetryStrategy", "Backoff", "RetryAffinity"]

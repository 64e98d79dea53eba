"""The workflow controller: a pure reconcile of Argo Workflows (argoproj.io/v1alpha1).

`reconcile(workflow, nodes, pods, now=…, resolver=…)` decides what happens next and
returns `Actions` (changed nodes, pods to create/delete, cache entries, when to call
again); `operations` holds the pure verbs behind resume/suspend/stop/retry/resubmit/set.

Walkthrough: `reconcile` (operate) → `podsync` (pods → nodes, deadlines, shutdown) →
`execute.execute` (executeTemplate: resolve, arguments, timeout, parallelism, memoize,
retry) → one module per template kind (`podnode`, `steps`, `dag`, `suspend`), with
`loops`, `scope`, `exits`, `depends`, `graph` as their helpers.
"""

from podfleet.controller.context import Actions, NullResolver, Resolver
from podfleet.controller.reconcile import reconcile

__all__ = ["reconcile", "Actions", "Resolver", "NullResolver"]

"""podfleet: Argo Workflows, unchanged, on elastic pods.

Packages follow the boxes of DESIGN.md, top to bottom:
  cli        — the `podfleet` command
  controller — reconcile(workflow) → actions; nodes, steps, dag, retries, deadlines
  providers  — run Pods (process sandbox; later containers, kubernetes)
  executor   — the emissary's duties inside a pod: inputs in, main run, outputs out
  store      — objects with resourceVersion and watch (SQLite)
  lint       — offline validation of Argo resources, like `argo lint`
  templating — `{{ }}` substitution with Argo's variables
  expressions— govaluate (`when`) and expr-lang (`depends`, `{{= }}`, `expression:`)
  resources  — typed models of Argo and core/v1 objects, YAML/JSON in and out
"""

__version__ = "0.1.0"

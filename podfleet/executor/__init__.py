"""The executor: Argo's emissary duties, done for every provider the same way.

Pod layout contract (controller → provider). The controller builds every Argo
container/script node into a core/v1 Pod shaped like this; providers and this
executor rely on nothing else:

- The user container is named `main`. A template's `sidecars` and `initContainers`
  keep their own names. Init containers run first, in order, each to completion; then
  `main` and the sidecars start together; when `main` exits the sidecars are stopped;
  the pod phase follows `main`'s exit code.
- Annotation `workflows.argoproj.io/node-name`: the node name;
  annotation `workflows.argoproj.io/node-id`: the node id;
  label `workflows.argoproj.io/workflow`: the workflow name.
- Annotation `podfleet.io/template`: JSON of the node's template after `{{ }}`
  substitution (what Argo passes its executor in env ARGO_TEMPLATE). The executor reads:
  * `script.source` — written to `/argo/staging/script` before `main` starts (the
    controller already appended that path to main's args, as Argo does);
  * `inputs.artifacts[]` — each placed at its `path` before `main` starts: `raw.data`
    becomes a file; an artifact whose location block carries a `key` (`local: {key}`,
    or a key-only `s3: {key}` / `oss: {key}` …, filled in by the controller from
    `from: {{steps.X.outputs.artifacts.Y}}`) is fetched from the artifact repository
    and unpacked (tar+gzip is detected, anything else is copied as it is); a missing
    non-optional input fails the pod before `main` starts; optional ones are skipped;
  * `outputs.parameters[].valueFrom.{path,default}` — read after `main` exits;
  * `outputs.artifacts[]` with a `path` — saved after `main` exits under key
    `<workflow-name>/<pod-name>/<artifact-name>.tgz` (Argo's default keyFormat
    `{{workflow.name}}/{{pod.name}}`; `archive: {none: {}}` stores the file/dir as is
    under `<workflow>/<pod>/<basename of path>`; an artifact that already names a key
    in a location block keeps that key);
  * `outputs.result` (main's stdout) is captured for script templates always, and for
    other templates unless annotation `podfleet.io/include-script-output: "false"` says
    nothing reads it (Argo's includeScriptOutput; keeping stdout apart from the
    interleaved log costs a `tee` process per pod, ~40% of a trivial pod's cost).
- On the final (Succeeded/Failed) PodStatus the provider reports a `TaskResult`:
  `parameters` (name → file content with ONE trailing newline removed, as Argo does;
  `valueFrom.default` when the file is missing), `result` (stdout of `main` only, one
  trailing newline removed, at most its last 256 KiB), `exit_code` of `main`,
  `artifacts` (the template's output artifact dict — name, path, archive, globalName … —
  plus the location it was saved to, `{"local": {"key": "<wf>/<pod>/<name>.tgz"}}`;
  missing `optional: true` artifacts are left out), and `error` when a non-optional
  output could not be collected (the pod is then Failed with that message).
- Container states carry exit codes and Kubernetes reasons: `Completed`, `Error`,
  `OOMKilled`, `DeadlineExceeded`.

The executor works on a pod's files through `PodFilesystem` (write/read/exists/copy in
and out), so the process provider (host folders) and the container provider (Docker
archive endpoints) share `stage_inputs` and `collect_outputs`.
"""

from podfleet.executor.fs import PodFilesystem
from podfleet.executor.inputs import stage_inputs
from podfleet.executor.layout import (
    INCLUDE_OUTPUT_ANNOTATION,
    MAIN_CONTAINER,
    NODE_ID_ANNOTATION,
    NODE_NAME_ANNOTATION,
    SCRIPT_PATH,
    TEMPLATE_ANNOTATION,
    WORKFLOW_LABEL,
    captures_result,
    pod_template,
)
from podfleet.executor.outputs import MAX_RESULT_BYTES, collect_outputs, read_result

__all__ = [
    "PodFilesystem", "stage_inputs", "collect_outputs", "read_result", "pod_template", "captures_result",
    "INCLUDE_OUTPUT_ANNOTATION",
    "MAIN_CONTAINER", "NODE_ID_ANNOTATION", "NODE_NAME_ANNOTATION", "TEMPLATE_ANNOTATION",
    "WORKFLOW_LABEL", "SCRIPT_PATH", "MAX_RESULT_BYTES",
]

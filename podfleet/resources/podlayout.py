"""The names of the pod layout contract, shared by the controller (which builds pods)
and the providers and executor (which run them). See podfleet/executor/__init__.py for
what each means."""

MAIN_CONTAINER = "main"
SCRIPT_PATH = "/argo/staging/script"
NODE_NAME_ANNOTATION = "workflows.argoproj.io/node-name"
NODE_ID_ANNOTATION = "workflows.argoproj.io/node-id"
WORKFLOW_LABEL = "workflows.argoproj.io/workflow"
COMPLETED_LABEL = "workflows.argoproj.io/completed"
ON_EXIT_LABEL = "workflows.argoproj.io/on-exit"
TEMPLATE_ANNOTATION = "podfleet.io/template"
# Argo's includeScriptOutput: "false" when nothing reads this node's outputs.result.
INCLUDE_OUTPUT_ANNOTATION = "podfleet.io/include-script-output"
# What the placement layer billed for a pod (per second at its instance spec).
COST_ANNOTATION = "podfleet.io/cost"

"""Typed models of Argo's resources (and the core/v1 objects podfleet needs), loaded
from YAML/JSON and dumped back exactly as read.

    from podfleet.resources import load_paths, parse_resource, Workflow, to_yaml
    docs = load_paths(["wf.yaml"])
    wf = parse_resource(docs[0])          # -> Workflow (typed), InvalidError on bad input
    print(to_yaml(wf))                    # same shape as `argo get -o yaml`

Submodules: base (ArgoModel, scalar types), meta, parameters, container, retry, common,
steps, dag, template, spec, status, kinds (top-level kinds + registry), loader, dump,
times, pod (core/v1 Pod, owned by the providers side).
"""

from podfleet.resources.base import AnyString, ArgoModel, IntOrString, ScalarString, any_string, int_or_string_value
from podfleet.resources.common import (
    ArtifactRepositoryRef, ContinueOn, LifecycleHook, Memoize, Metrics, PodGC, Sequence, Synchronization,
    TemplateRef, TTLStrategy, WorkflowTemplateRef,
)
from podfleet.resources.container import Container, EnvVar, ResourceRequirements, ScriptTemplate, UserContainer, VolumeMount
from podfleet.resources.dag import DAGTask, DAGTemplate
from podfleet.resources.dump import to_json, to_yaml, to_yaml_all
from podfleet.resources.kinds import (
    KINDS, ClusterWorkflowTemplate, ConfigMap, CronWorkflow, CronWorkflowSpec, CronWorkflowStatus, Resource, Secret,
    Workflow, WorkflowTemplate, known_kinds, model_for, register,
)
from podfleet.resources.loader import Document, SchemaError, load_file, load_paths, load_text, parse_resource, parse_text
from podfleet.resources.meta import Metadata, ObjectMeta, WorkflowMetadata
from podfleet.resources.parameters import Arguments, Artifact, Inputs, Outputs, Parameter, ValueFrom
from podfleet.resources.retry import Backoff, RetryPolicy, RetryStrategy
from podfleet.resources.spec import WorkflowSpec
from podfleet.resources.status import NodePhase, NodeStatus, NodeType, WorkflowPhase, WorkflowStatus
from podfleet.resources.steps import WorkflowStep
from podfleet.resources.template import Template, TemplateType

__all__ = [
    "AnyString", "ArgoModel", "IntOrString", "ScalarString", "any_string", "int_or_string_value",
    "ArtifactRepositoryRef", "ContinueOn", "LifecycleHook", "Memoize", "Metrics", "PodGC", "Sequence",
    "Synchronization", "TemplateRef", "TTLStrategy", "WorkflowTemplateRef",
    "Container", "EnvVar", "ResourceRequirements", "ScriptTemplate", "UserContainer", "VolumeMount",
    "DAGTask", "DAGTemplate", "to_json", "to_yaml", "to_yaml_all",
    "KINDS", "ClusterWorkflowTemplate", "ConfigMap", "CronWorkflow", "CronWorkflowSpec", "CronWorkflowStatus",
    "Resource", "Secret", "Workflow", "WorkflowTemplate", "known_kinds", "model_for", "register",
    "Document", "SchemaError", "load_file", "load_paths", "load_text", "parse_resource", "parse_text",
    "Metadata", "ObjectMeta", "WorkflowMetadata", "Arguments", "Artifact", "Inputs", "Outputs", "Parameter",
    "ValueFrom", "Backoff", "RetryPolicy", "RetryStrategy", "WorkflowSpec", "NodePhase", "NodeStatus", "NodeType",
    "WorkflowPhase", "WorkflowStatus", "WorkflowStep", "Template", "TemplateType",
]

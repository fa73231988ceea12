"""One operator per phase of the documented migration; `build` makes a phase's task from the phase table."""

from __future__ import annotations

import importlib
from typing import Any

from airflow.sdk import BaseOperator

from timescale_migration.operators.analyze import AnalyzeOperator
from timescale_migration.operators.apply_privileges import ApplyPrivilegesOperator
from timescale_migration.operators.apply_settings import ApplySettingsOperator
from timescale_migration.operators.check_extensions import CheckExtensionsOperator
from timescale_migration.operators.check_versions import CheckVersionsOperator
from timescale_migration.operators.cutover import CutoverOperator
from timescale_migration.operators.drain_source import DrainSourceOperator
from timescale_migration.operators.dump_data import DumpDataOperator
from timescale_migration.operators.dump_roles import DumpRolesOperator
from timescale_migration.operators.load import LoadOperator
from timescale_migration.operators.release_source import ReleaseSourceOperator
from timescale_migration.operators.remove_secrets import RemoveSecretsOperator
from timescale_migration.operators.restore_mode import PostRestoreOperator, PreRestoreOperator
from timescale_migration.operators.source_jobs import PauseSourceJobsOperator, ResumeSourceJobsOperator
from timescale_migration.operators.stage_schema import StageSchemaOperator
from timescale_migration.operators.stop_apps import StopAppsOperator
from timescale_migration.operators.switch_apps import SwitchAppsOperator
from timescale_migration.operators.verify import VerifyOperator
from timescale_migration.phases import ALL_SUCCESS, Phase

__all__ = [
    "AnalyzeOperator",
    "ApplyPrivilegesOperator",
    "ApplySettingsOperator",
    "CheckExtensionsOperator",
    "CheckVersionsOperator",
    "CutoverOperator",
    "DrainSourceOperator",
    "DumpDataOperator",
    "DumpRolesOperator",
    "LoadOperator",
    "PauseSourceJobsOperator",
    "PostRestoreOperator",
    "PreRestoreOperator",
    "ReleaseSourceOperator",
    "RemoveSecretsOperator",
    "ResumeSourceJobsOperator",
    "StageSchemaOperator",
    "StopAppsOperator",
    "SwitchAppsOperator",
    "VerifyOperator",
]


def operator_class(phase: Phase) -> type[BaseOperator]:
    """The operator class the phase table names for a phase."""
    module, name = phase.operator.rsplit(".", 1)
    found: type[BaseOperator] = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    return found


def build(phase: Phase, **kwargs: Any) -> BaseOperator:
    """The phase's task: its operator with the table's retries, trigger rule and arguments (`kwargs` on top)."""
    arguments: dict[str, Any] = {"task_id": phase.task_id, **dict(phase.arguments), **kwargs}
    if phase.retries is not None:
        arguments.setdefault("retries", phase.retries)
    if phase.trigger_rule != ALL_SUCCESS:
        arguments.setdefault("trigger_rule", phase.trigger_rule)
    return operator_class(phase)(**arguments)

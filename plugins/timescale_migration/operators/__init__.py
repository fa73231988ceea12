"""One operator per phase of the documented migration."""

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
from timescale_migration.operators.stop_apps import StopAppsOperator
from timescale_migration.operators.switch_apps import SwitchAppsOperator
from timescale_migration.operators.verify import VerifyOperator

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
    "StopAppsOperator",
    "SwitchAppsOperator",
    "VerifyOperator",
]

"""
### release_source — give a drained source database back to its applications

`migrate_database` blocks new sessions on the source (`drain_source`) and keeps it blocked after the cutover.
When a run is rejected at the second gate, abandoned halfway, or you want the source back for any reason,
trigger this DAG with a `source_conn_id` that reaches the source server (and `source_database` if the run set
it): it grants CONNECT back exactly as it was before the first block, from the record the drain keeps on the
source server (`timescale_migration.connect_blocks` in its `postgres` database), and marks that record released.
With no record it fails and says where it looked; it never reports a release it did not make.
"""

from __future__ import annotations

from airflow.sdk import DAG

from timescale_migration import phases
from timescale_migration.operators import build
from timescale_migration.params import migration_params

_params = migration_params()

with DAG(
    dag_id="release_source",
    description="Undo the drain of a source database (reopen it to its applications)",
    schedule=None,
    catchup=False,
    params={key: _params[key] for key in ("source_conn_id", "source_database", "work_dir", "target_conn_id")},
    doc_md=__doc__,
    tags=["timescale", "migration"],
) as dag:
    build(phases.BY_ID[phases.RELEASE_SOURCE], forget_migration=False)

"""Pure decisions of the Aurora tier, tested without Pulumi: identifiers, the cluster
parameter group family and its parameters, the password alphabet. (Instances per DR tier:
components/tiers.py.)"""

from __future__ import annotations

from components.settings import DatabaseSettings

GLOBAL_CLUSTER_ID = "trading-dr-global"
"""The global cluster's identifier: fixed so the dr stack, the orchestrator and operators name it."""
MASTER_USERNAME = "trading_admin"
DATABASE_NAME = "trading"
MASTER_PASSWORD_LENGTH = 40
# Aurora rejects / " @ and space in a master password; ' breaks naive shell and SQL quoting
# in runbooks, so it is left out too. What remains is still ~6 bits per character.
PASSWORD_SPECIALS = "!#$%^&*()-_=+[]{}<>:?.,~"
MONITORING_INTERVAL_SECONDS = 60
PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7  # the free tier; longer is a cost decision


def cluster_identifier(region: str) -> str:
    """Named by region, not role: after a failover the dr region's cluster is the writer."""
    return f"trading-dr-{region}"


def parameter_group_family(database: DatabaseSettings) -> str:
    """aurora-mysql8.0 for 8.0.mysql_aurora.3.x, aurora-postgresql16 for 16.x."""
    version = database.engine_version
    if database.engine == "aurora-mysql":
        major = ".".join(version.split(".")[:2])  # 8.0.mysql_aurora.3.08.2 -> 8.0
        return f"aurora-mysql{major}"
    if database.engine == "aurora-postgresql":
        return f"aurora-postgresql{version.split('.')[0]}"
    raise ValueError(f"no parameter group family for engine {database.engine!r}")


# rds.global_db_rpo takes 20 to 2,147,483,647 seconds (Aurora PostgreSQL only):
# https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html
GLOBAL_DB_RPO_RANGE = (20, 2_147_483_647)


def global_rpo_seconds(database: DatabaseSettings, role: str, bound: int | None) -> int | None:
    """The rds.global_db_rpo of a stack's cluster parameter group, or None to leave the default.

    Only Aurora PostgreSQL has it; it "Blocks the transaction if all secondary DB clusters
    have RPO lag times that are larger than the RPO", so the writer never runs further ahead
    than the bound the failover's RPO gate allows. Only the primary's group sets it: "In a
    global database with only two AWS Regions, we recommend keeping the rds.global_db_rpo
    parameter's default value in the secondary Region's parameter group. Otherwise,
    performing a failover due to a loss of the primary AWS Region could cause Aurora to pause
    transactions" (same page). The price: with one secondary, a DR region that lags or is cut
    off for longer than the bound pauses the primary's commits (docs/SECURITY.md, "Recorded exceptions")."""
    if database.engine != "aurora-postgresql" or role != "primary" or bound is None:
        return None
    low, high = GLOBAL_DB_RPO_RANGE
    if not low <= bound <= high:
        raise ValueError(f"rds.global_db_rpo must be {low} to {high} seconds, got {bound}")
    return bound


def cluster_parameters(database: DatabaseSettings, global_rpo: int | None = None) -> dict[str, str]:
    """Cluster parameters: TLS forced for every client, and the logs the cluster exports to
    CloudWatch (settings.database.log_exports) actually written; rds.global_db_rpo where
    global_rpo_seconds says so."""
    if database.engine == "aurora-mysql":
        return {
            "require_secure_transport": "ON",
            # The "audit" export is empty unless the Advanced Auditing plugin logs something.
            "server_audit_logging": "1",
            "server_audit_events": "CONNECT,QUERY_DCL,QUERY_DDL",
            # The "slowquery" export needs the slow log written to a file.
            "slow_query_log": "1",
            "long_query_time": "2",
            "log_output": "FILE",
        }
    if database.engine == "aurora-postgresql":
        parameters = {
            "rds.force_ssl": "1",
            "log_min_duration_statement": "2000",  # ms; slow statements reach the postgresql export
        }
        if global_rpo is not None:
            parameters["rds.global_db_rpo"] = str(global_rpo)  # dynamic: applied without reboot
        return parameters
    raise ValueError(f"no cluster parameters for engine {database.engine!r}")

"""The database fence of an old primary (docs/ARCHITECTURE.md, "Never two writers").

The write lease fences every application that checks it; this fences the ones that do not.
When this region's orchestrator is alive, its cluster is still the writer, and its routing
control reads Off (or it has not read ARC for a whole lease), it revokes the application
user's write privileges on its own cluster through the RDS Data API; when this region holds
the lease again, or has just been promoted, it grants them back. AWS itself calls fencing the
old primary in an unplanned failover best effort
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html).

Per engine (the statements are idempotent: revoking a privilege not held, or granting one
held, is no error):
- Aurora PostgreSQL: REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public
  (https://www.postgresql.org/docs/current/sql-revoke.html; privileges are checked when a
  statement runs, so open sessions lose them too), then pg_terminate_backend() of the user's
  sessions, so a transaction already past its checks is rolled back, never committed
  (https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-SIGNAL; the RDS
  master user may signal non-superuser backends through rds_superuser's pg_signal_backend).
- Aurora MySQL: REVOKE INSERT, UPDATE, DELETE ON <database>.* (database privileges "take
  effect the next time the client executes a USE db_name statement",
  https://dev.mysql.com/doc/refman/8.0/en/privilege-changes.html), so the user's sessions are
  then ended with mysql.rds_kill
  (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/mysql-stored-proc-ending.html).

Limits (the write lease still fences whatever this cannot): the Data API runs only on a
cluster with a writer instance and not on T instance classes
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html); a
call that fails is recorded and paged, and retried at the next evaluation. The revocation is
written on the old writer and so replicates to the secondary: the promoted region grants the
privileges back on its own new writer (failover/executor.py, restore_db_writes).
"""

from __future__ import annotations

POSTGRES, MYSQL = "aurora-postgresql", "aurora-mysql"


def statements(engine: str, user: str, database: str, fenced: bool) -> list[tuple[str, list]]:
    """(SQL, Data API parameters) that revoke (fenced) or grant back the application user's
    write privileges. Identifiers cannot be bound parameters: `user` and `database` were
    validated as plain identifiers (failover/config.py); values are bound (:user)."""
    bound = [{"name": "user", "value": {"stringValue": user}}]
    if engine == POSTGRES:
        privileges = "INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public"
        if fenced:
            return [
                (f'REVOKE {privileges} FROM "{user}"', []),
                ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :user", bound),
            ]
        return [(f'GRANT {privileges} TO "{user}"', [])]
    if engine == MYSQL:
        privileges = f"INSERT, UPDATE, DELETE ON `{database}`.*"
        if fenced:
            return [
                (f"REVOKE {privileges} FROM '{user}'@'%'", []),
                # Database privileges are read at USE/connect: end the user's sessions.
                ("SELECT id FROM information_schema.processlist WHERE user = :user", bound),
            ]
        return [(f"GRANT {privileges} TO '{user}'@'%'", [])]
    raise ValueError(f"unknown engine {engine!r}")


def apply(
    rds_data, cluster_arn: str, secret_arn: str, database: str, engine: str, user: str, fenced: bool
) -> str:
    """Run the statements through the Data API; raises ClientError/BotoCoreError on failure."""
    done = []
    for sql, parameters in statements(engine, user, database, fenced):
        answer = rds_data.execute_statement(
            resourceArn=cluster_arn, secretArn=secret_arn, database=database, sql=sql, parameters=parameters
        )
        done.append(sql.split()[0])
        if engine == MYSQL and sql.startswith("SELECT id"):
            sessions = [int(row[0]["longValue"]) for row in answer.get("records", [])]
            for session in sessions:
                rds_data.execute_statement(
                    resourceArn=cluster_arn,
                    secretArn=secret_arn,
                    database=database,
                    sql=f"CALL mysql.rds_kill({session})",
                )
            done.append(f"rds_kill x{len(sessions)}")
    return ("revoked" if fenced else "granted") + f" write privileges of {user} ({', '.join(done)})"

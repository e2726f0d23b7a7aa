"""The two database roles of production: an owner that migrates, and the app that serves.

The owner role owns the database, every table, sequence and function, and runs `migrate`.
The app role, which gunicorn connects as, may read and write rows (SELECT, INSERT, UPDATE,
DELETE) but owns nothing, so it cannot drop tables or turn triggers off, and on the audit
trail it may only SELECT and INSERT. `set_up_roles` is idempotent: run it (`manage.py
db_roles`, `make db-roles`) once as a superuser to create the roles and hand the tables over,
and again, as the owner, after every `migrate`, to grant the app the new tables (README,
"Database roles"). `app_role_problems` is what the deployment check reports.
"""

from psycopg import sql

AUDIT_TABLE = "clinic_auditevent"
AUDIT_TABLES = (AUDIT_TABLE, "clinic_auditlink")  # the trail and its hash chain
APP_TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


def set_up_roles(
    cursor, *, owner: str, app: str, owner_password: str = "", app_password: str = ""
) -> list[str]:
    """Create the roles if missing and give each its privileges; return what was done."""
    done = []
    for role, password in ((owner, owner_password), (app, app_password)):
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
            done.append(f"created the role {role}")
        if password:
            cursor.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(password)
                )
            )
    done += hand_over_to_owner(cursor, owner)
    grant_app_privileges(cursor, owner=owner, app=app)
    done.append(
        f"granted {app} {APP_TABLE_PRIVILEGES} on the tables (SELECT, INSERT on the audit trail)"
    )
    return done


# Everything in the public schema the owner does not own yet, with the statement to move it.
NOT_OWNED = """
SELECT 'DATABASE', quote_ident(datname) FROM pg_database
    WHERE datname = current_database() AND datdba <> %(owner)s::regrole
UNION ALL
SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                      WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
       c.oid::regclass::text
    FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
      AND c.relowner <> %(owner)s::regrole
      AND NOT EXISTS (  -- an identity column's sequence moves with its table
          SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('i', 'a', 'e'))
UNION ALL
SELECT 'FUNCTION', p.oid::regprocedure::text
    FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> %(owner)s::regrole
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
"""


def hand_over_to_owner(cursor, owner: str) -> list[str]:
    """Make `owner` own the database and what is in it (extensions' objects aside)."""
    cursor.execute(NOT_OWNED, {"owner": owner})
    moved = cursor.fetchall()
    for kind, name in moved:
        cursor.execute(
            sql.SQL("ALTER {} {} OWNER TO {}").format(
                sql.SQL(kind), sql.SQL(name), sql.Identifier(owner)
            )
        )
    cursor.execute(
        sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(sql.Identifier(owner))
    )
    return [f"{owner} now owns {len(moved)} objects"] if moved else []


def grant_app_privileges(cursor, *, owner: str, app: str) -> None:
    """Row access for `app` on every table (and on tables `owner` creates later); on the audit
    trail only SELECT and INSERT; TRUNCATE nowhere."""
    statements = [
        "GRANT USAGE ON SCHEMA public TO {app}",
        "GRANT " + APP_TABLE_PRIVILEGES + " ON ALL TABLES IN SCHEMA public TO {app}",
        "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {app}",
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}",
        "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT "
        + APP_TABLE_PRIVILEGES
        + " ON TABLES TO {app}",
        "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
        "GRANT USAGE, SELECT ON SEQUENCES TO {app}",
    ]
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [AUDIT_TABLE])
    if cursor.fetchone()[0]:  # else not migrated yet: run again after migrate
        for table in AUDIT_TABLES:
            statements += [
                "REVOKE ALL ON " + table + " FROM PUBLIC",
                "REVOKE UPDATE, DELETE, TRUNCATE ON " + table + " FROM {app}",
            ]
    names = {"owner": sql.Identifier(owner), "app": sql.Identifier(app)}
    for statement in statements:
        cursor.execute(sql.SQL(statement).format(**names))


PRIVILEGES = """
SELECT current_user, r.rolsuper, pg_has_role(current_user, c.relowner, 'MEMBER'),
       array_remove(ARRAY[
           CASE WHEN has_table_privilege(c.oid, 'UPDATE') THEN 'UPDATE' END,
           CASE WHEN has_table_privilege(c.oid, 'DELETE') THEN 'DELETE' END,
           CASE WHEN has_table_privilege(c.oid, 'TRUNCATE') THEN 'TRUNCATE' END
       ], NULL)
FROM pg_roles r, pg_class c
WHERE r.rolname = current_user AND c.oid = to_regclass(%s)
"""


def app_role_problems(cursor) -> list[str]:
    """What the connected role could do to the audit trail that the app must not."""
    cursor.execute(PRIVILEGES, [AUDIT_TABLE])
    row = cursor.fetchone()
    if row is None:
        return []  # not migrated yet
    role, superuser, owns, privileges = row
    problems = []
    if superuser:
        problems.append(f"The app connects to PostgreSQL as {role}, a superuser.")
    elif owns:
        problems.append(f"The app's database role {role} owns the audit table {AUDIT_TABLE}.")
    if privileges:
        problems.append(
            f"The app's database role {role} may {', '.join(privileges)} the audit table."
        )
    return problems

"""Statement-level PostgreSQL triggers that keep derived tables in step with their sources.

Each app that owns a derived table writes its SQL in its own `triggers.py`; this builds the
trigger function and its INSERT, DELETE and UPDATE triggers. The triggers fire once per
statement (COPY included) and see the changed rows as the transition tables `new_rows` and
`old_rows`. Every statement is CREATE OR REPLACE, so installing again is safe.
"""

from collections.abc import Callable

Action = Callable[[tuple[str, ...]], str]  # the transition tables to read -> PL/pgSQL


def statement_triggers(function: str, table: str, action: Action) -> tuple[str, str]:
    """(install, uninstall) SQL for `function` run by `table`'s changes."""
    install = f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {action(("new_rows",))}
    ELSIF TG_OP = 'DELETE' THEN {action(("old_rows",))}
    ELSE {action(("old_rows", "new_rows"))}
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER {function}_ins AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE OR REPLACE TRIGGER {function}_del AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE OR REPLACE TRIGGER {function}_upd AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {function}();
"""
    uninstall = f"""
DROP TRIGGER IF EXISTS {function}_ins ON {table};
DROP TRIGGER IF EXISTS {function}_del ON {table};
DROP TRIGGER IF EXISTS {function}_upd ON {table};
DROP FUNCTION IF EXISTS {function}();
"""
    return install, uninstall


def union_of(ids_sql: str, tables: tuple[str, ...]) -> str:
    """The patient ids of `ids_sql` (with a `{rows}` placeholder) over these tables."""
    return " UNION ".join(ids_sql.format(rows=name) for name in tables)

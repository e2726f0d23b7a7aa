"""Row count and checksum of every table: compare a database before and after migrating.

Usage: python3 docs/table_checksums.py DATABASE_NAME OUT.json (the server on 127.0.0.1:5432).
"""

import json
import sys

import psycopg

TABLES = """
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1
"""
CHECKSUM = """
    SELECT count(*), md5(coalesce(string_agg(md5(x::text), '' ORDER BY md5(x::text)), ''))
    FROM "{table}" x
"""

conn = psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{sys.argv[1]}")
out = {}
for (table,) in conn.execute(TABLES).fetchall():
    out[table] = list(conn.execute(CHECKSUM.format(table=table)).fetchone())
with open(sys.argv[2], "w") as file:
    json.dump(out, file, indent=0)
print(len(out), "tables")

"""Start a project-local PostgreSQL (from the `pgserver` wheel) when no DATABASE_URL is given."""

import warnings
from pathlib import Path
from urllib.parse import quote

LOCAL_DB_NAME = "clinic"


def local_database_url(data_dir: Path) -> str:
    """Return a URL for the embedded server in `data_dir`, starting it if needed.

    The server keeps running after this process exits (later commands reuse it);
    `make stop-db` stops it.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    # platformdirs (used by pgserver, also at exit) warns when XDG_RUNTIME_DIR is unset, as
    # under root; harmless here.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver  # imported here: production never loads it

    server = pgserver.get_server(data_dir, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{LOCAL_DB_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {LOCAL_DB_NAME};")
    # The socket directory, percent-encoded, as the URL's host: Django then has it in HOST,
    # where libpq tools (pg_dump for backups) find it too.
    return f"postgresql://postgres@{quote(str(data_dir), safe='')}/{LOCAL_DB_NAME}"

"""Storage: the archive file, its transactions and schema steps, articles and raw pages.

Storage knows no stage; every stage reaches the archive through `Database` and `transaction`.
"""

from archive.store.database import DEFAULT_ARCHIVE, Database, Migration, open_database, transaction

__all__ = ["DEFAULT_ARCHIVE", "Database", "Migration", "open_database", "transaction"]

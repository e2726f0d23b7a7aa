"""Walk a big table in constant memory: keyset batches (`WHERE key > last ORDER BY key LIMIT n`),
never OFFSET and never the whole result at once. Exports and reports that cover the whole clinic
(`progress_report`, the clinic audit, the records archive's bench) read their rows through this."""

from collections.abc import Iterator

BATCH = 500


def keyset_batches(queryset, key: str, *fields: str, size: int | None = None) -> Iterator[list]:
    """`queryset`'s rows as tuples of (`key`, *`fields`), in `key` order, `size` (default
    `BATCH`) at a time. `key` must be unique in `queryset` (a primary key, an MRN, or a
    `distinct()` column)."""
    size = size or BATCH
    last = None
    while True:
        page = queryset.order_by(key)
        if last is not None:
            page = page.filter(**{f"{key}__gt": last})
        batch = list(page.values_list(key, *fields)[:size])
        if not batch:
            return
        yield batch
        if len(batch) < size:
            return
        last = batch[-1][0]

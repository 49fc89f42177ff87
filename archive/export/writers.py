"""The file formats: each writer turns batches of records into bytes on a binary file object.

A writer only writes forward, never seeks, so the same writer serves a temporary file that
is renamed into place and a stream (stdout, a FIFO, a character device); pyarrow writes
Parquet sequentially too. A writer never closes the file object: its owner does.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterable

from archive.export.rows import arrow_schema, export_columns


@dataclass(frozen=True)
class Layout:
    """What a writer needs to know besides the records."""

    by_story: bool = False
    bom: bool = False  # CSV only: a UTF-8 byte-order mark first, for Excel

    @property
    def columns(self) -> list[str]:
        return export_columns(self.by_story)


def write_jsonl(sink: BinaryIO, batches: Iterable[list[dict]], layout: Layout) -> None:
    for batch in batches:
        sink.write("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in batch).encode("utf-8"))


def _cell(value):
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_csv(sink: BinaryIO, batches: Iterable[list[dict]], layout: Layout) -> None:
    # Excel opens a CSV without a byte-order mark in the system's legacy code page (cp1251 on a
    # Russian Windows, cp1252 elsewhere), which garbles UTF-8 Cyrillic; other readers take the
    # mark for part of the first column name, so it is asked for, not the default.
    if layout.bom:
        sink.write(codecs.BOM_UTF8)
    columns = layout.columns
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(columns)
    for batch in batches:
        writer.writerows([_cell(record[c]) for c in columns] for record in batch)
        sink.write(text.getvalue().encode("utf-8"))
        text.seek(0)
        text.truncate()
    sink.write(text.getvalue().encode("utf-8"))  # the header of an export without rows


def write_parquet(sink: BinaryIO, batches: Iterable[list[dict]], layout: Layout) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(layout.by_story)
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))


Writer = Callable[[BinaryIO, Iterable[list[dict]], Layout], None]
WRITERS: dict[str, Writer] = {"jsonl": write_jsonl, "csv": write_csv, "parquet": write_parquet}
FORMATS = tuple(WRITERS)

#!/usr/bin/env python3
"""OCSF events (a JSON array) -> Security Lake partitions of Parquet files.

Usage: ocsf-to-lake.py FINDINGS.ocsf.json OUT_DIR, then copy OUT_DIR to the custom source's
location. Writes OUT_DIR/region=REGION/accountId=ACCOUNT/eventDay=YYYYMMDD/*.parquet, one file
per partition. Explained in docs/ci.md ("Security Lake (OCSF)"); needs pyarrow.
"""
import collections, datetime, json, os, sys, uuid

import pyarrow as pa
import pyarrow.parquet as pq

source, out = sys.argv[1], sys.argv[2]
with open(source, encoding="utf-8") as f:
    events = json.load(f)
parts = collections.defaultdict(list)
for event in events:
    for evidence in event.get("evidences", []):
        evidence["data"] = json.dumps(evidence["data"], sort_keys=True)
    event["unmapped"] = {k: json.dumps(v, sort_keys=True) for k, v in event.get("unmapped", {}).items()}
    day = datetime.datetime.fromtimestamp(event["time"] / 1000, datetime.timezone.utc).strftime("%Y%m%d")
    parts[(event["cloud"]["region"], event["cloud"]["account"]["uid"], day)].append(event)
# Every row gets every attribute (None where it has none): pyarrow takes a table's columns from
# its first row, and would drop an attribute that only later events have.
columns = sorted({key for event in events for key in event})
for (region, account, day), rows in sorted(parts.items()):
    rows = [{key: event.get(key) for key in columns} for event in rows]
    folder = os.path.join(out, f"region={region}", f"accountId={account}", f"eventDay={day}")
    os.makedirs(folder, exist_ok=True)
    # Parquet format 1.0 (the most widely read), zstd as Security Lake prefers.
    pq.write_table(
        pa.Table.from_pylist(rows),
        os.path.join(folder, f"alb-audit-{uuid.uuid4()}.parquet"),
        version="1.0",
        compression="zstd",
    )

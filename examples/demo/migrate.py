"""Demo migration: a one-shot job that writes the schema version into the db, then exits 0."""
import os, urllib.request

db = os.environ.get("DB_URL", "http://127.0.0.1:8702")
req = urllib.request.Request(f"{db}/kv/schema_version", data=b"3", method="PUT")
with urllib.request.urlopen(req, timeout=5) as r:
    print("migrated:", r.read().decode(), flush=True)

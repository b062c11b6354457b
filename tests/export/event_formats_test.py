#!/usr/bin/env python3
"""event_formats_test.py MAILLENS SOURCE_DIR - `export --format ecs|gelf`.

Exports the bundled real-Postfix sample as every record kind in jsonl, ecs
and gelf, and checks every line with python3's json:
  * ECS: one object per line without duplicate or dotted keys; every leaf
    path is an ECS 8.11 field of the allowlist below (with its type) or maillens.<column of
    the kind>; @timestamp, event.kind/category/type/outcome/dataset and
    ecs.version present with allowed values; ip fields are IP addresses;
    arrays where ECS wants arrays; the values equal the jsonl record's.
  * GELF 1.1: version "1.1", host, short_message, timestamp, level
    (0..7) present; every other key starts with "_" and matches Graylog's
    ^[\\w.-]+$, none is "_id"; values are strings or numbers; the additional
    fields equal the jsonl record's (booleans 1/0, nulls left out).
"""
import datetime
import ipaddress
import json
import re
import subprocess
import sys

# ECS fields the writer may use, with their types in ECS 8.11.0's
# generated/csv/fields.csv (github.com/elastic/ecs, tag v8.11.0).
ECS_FIELDS = {
    "@timestamp": "date", "message": "match_only_text", "ecs.version": "keyword",
    "event.kind": "keyword", "event.category": "keyword", "event.type": "keyword", "event.action": "keyword",
    "event.outcome": "keyword", "event.dataset": "keyword", "event.module": "keyword", "event.reason": "keyword",
    "event.start": "date", "event.end": "date", "event.duration": "long",
    "host.name": "keyword", "process.name": "keyword", "process.pid": "long",
    "source.address": "keyword", "source.domain": "keyword", "source.ip": "ip", "source.port": "long",
    "email.from.address": "keyword", "email.to.address": "keyword", "email.message_id": "wildcard",
    "email.local_id": "keyword", "email.direction": "keyword",
    "user.name": "keyword", "related.ip": "ip", "related.user": "keyword",
}


def ecs_type_ok(typ, v):
    if typ == "long":
        return isinstance(v, int) and not isinstance(v, bool)
    if not isinstance(v, str):
        return False
    if typ == "ip":
        ipaddress.ip_address(v)
    elif typ == "date":
        datetime.datetime.fromisoformat(v)
    return True


ARRAYS = {"event.category", "event.type", "email.from.address", "email.to.address", "related.ip", "related.user"}
CATEGORIES = {"email", "network"}
TYPES = {"info", "denied", "connection", "start", "end"}  # expected types of email (info) and network
DATASETS = {"deliveries": "maillens.delivery", "messages": "maillens.message", "rejects": "maillens.reject",
            "connections": "maillens.connection"}
TIME_COLUMN = {"deliveries": "time", "messages": "first_seen", "rejects": "time", "connections": "connect_time"}
GELF_KEY = re.compile(r"^_[\w.\-]+$")
failures = []


def fail(msg):
    failures.append(msg)
    if len(failures) > 20:
        report()


def report():
    print("FAIL:\n  " + "\n  ".join(failures[:20]))
    sys.exit(1)


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate keys {keys}")
    return dict(pairs)


def leaves(obj, prefix=""):
    for k, v in obj.items():
        if "." in k:
            fail(f"dotted key {prefix}{k}")
        path = prefix + k
        if isinstance(v, dict):
            yield from leaves(v, path + ".")
        else:
            yield path, v


def export(maillens, log, kind, fmt):
    out = subprocess.run([maillens, "export", "--quiet", "--year", "2026", "--records", kind, "--format", fmt, log],
                         check=True, capture_output=True, env={"TZ": "UTC", "PATH": "/usr/bin:/bin"}).stdout
    lines = out.decode("utf-8").split("\n")
    if lines[-1] != "":
        fail(f"{kind} {fmt}: output does not end with a newline")
    docs = []
    for i, line in enumerate(lines[:-1]):
        try:
            docs.append(json.loads(line, object_pairs_hook=no_duplicates))
        except ValueError as e:
            fail(f"{kind} {fmt} line {i + 1}: {e}: {line[:200]}")
    return docs


def check_ecs(kind, columns, doc, row):
    flat = dict(leaves(doc))
    for path, v in flat.items():
        if path.startswith("maillens."):
            col = path[len("maillens."):]
            if col not in columns:
                fail(f"ecs {kind}: {path} is not a column")
            elif row.get(col) != v:
                fail(f"ecs {kind}: {path}={v!r}, jsonl {col}={row.get(col)!r}")
        elif path not in ECS_FIELDS:
            fail(f"ecs {kind}: {path} is not an allowed ECS field")
        elif path in ARRAYS:
            if not (isinstance(v, list) and v and all(ecs_type_ok(ECS_FIELDS[path], x) for x in v)):
                fail(f"ecs {kind}: {path} is not an array of {ECS_FIELDS[path]}: {v!r}")
        elif not ecs_type_ok(ECS_FIELDS[path], v):
            fail(f"ecs {kind}: {path} = {v!r} is not of ECS type {ECS_FIELDS[path]}")
    for req in ("@timestamp", "ecs.version", "event.kind", "event.category", "event.type", "event.dataset",
                "event.outcome", "event.action", "host.name", "message"):
        if req not in flat:
            fail(f"ecs {kind}: {req} missing: {doc}")
            return
    datetime.datetime.fromisoformat(flat["@timestamp"])
    t = row[TIME_COLUMN[kind]] or row.get("disconnect_time")
    if flat["@timestamp"] != t:
        fail(f"ecs {kind}: @timestamp {flat['@timestamp']} != {t}")
    if not flat["ecs.version"].startswith("8."):
        fail(f"ecs.version {flat['ecs.version']}")
    if flat["event.kind"] != "event" or flat["event.dataset"] != DATASETS[kind]:
        fail(f"ecs {kind}: event.kind/dataset {flat['event.kind']} {flat['event.dataset']}")
    if flat["event.outcome"] not in ("success", "failure", "unknown"):
        fail(f"ecs {kind}: event.outcome {flat['event.outcome']}")
    if not set(flat["event.category"]) <= CATEGORIES or not set(flat["event.type"]) <= TYPES:
        fail(f"ecs {kind}: category {flat['event.category']} type {flat['event.type']}")
    for path in ("source.ip",):
        if path in flat:
            ipaddress.ip_address(flat[path])
    for ip in flat.get("related.ip", []):
        ipaddress.ip_address(ip)
    if "source.port" in flat and not (isinstance(flat["source.port"], int) and 0 <= flat["source.port"] < 65536):
        fail(f"ecs {kind}: source.port {flat['source.port']!r}")
    if "email.direction" in flat and flat["email.direction"] not in ("inbound", "outbound"):
        fail(f"ecs {kind}: email.direction {flat['email.direction']}")
    # The ECS fields carry the record's values.
    same = {"host.name": "host", "user.name": "sasl_user", "event.reason": "reason", "email.message_id": "message_id",
            "process.name": "daemon", "source.address": "client"}
    for path, col in same.items():
        if path in flat and flat[path] != row.get(col):
            fail(f"ecs {kind}: {path}={flat[path]!r}, jsonl {col}={row.get(col)!r}")
    if kind != "connections":
        if row.get("queue_id", "NOQUEUE") != "NOQUEUE" and flat.get("email.local_id") != row["queue_id"]:
            fail(f"ecs {kind}: email.local_id {flat.get('email.local_id')} != {row['queue_id']}")
        if row.get("from") and flat.get("email.from.address") != [row["from"]]:
            fail(f"ecs {kind}: email.from.address {flat.get('email.from.address')} != {row['from']}")
        if row.get("to") and flat.get("email.to.address") != [row["to"]]:
            fail(f"ecs {kind}: email.to.address {flat.get('email.to.address')} != {row['to']}")
    if kind == "deliveries":
        want = {"sent": "success", "bounced": "failure", "deferred": "failure"}.get(row["status"])
        if want and flat["event.outcome"] != want:
            fail(f"ecs delivery {row['status']}: outcome {flat['event.outcome']}")
    if kind == "rejects":
        denied = row["action"] in ("reject", "milter-reject", "proxy-reject", "discard", "milter-discard")
        if flat["event.type"] != (["denied"] if denied else ["info"]) or (flat["event.outcome"] == "failure") != denied:
            fail(f"ecs reject {row['action']}: type {flat['event.type']} outcome {flat['event.outcome']}")
    if row.get("client_addr") and flat.get("source.ip") != row["client_addr"]:
        fail(f"ecs {kind}: source.ip {flat.get('source.ip')} != {row['client_addr']}")


def check_gelf(kind, doc, row):
    if doc.get("version") != "1.1":
        fail(f"gelf {kind}: version {doc.get('version')!r}")
    for req, typ in (("host", str), ("short_message", str), ("timestamp", (int, float)), ("level", int)):
        if not isinstance(doc.get(req), typ) or isinstance(doc.get(req), bool) or doc.get(req) == "":
            fail(f"gelf {kind}: {req} missing or of the wrong type: {doc.get(req)!r}")
            return
    if not 0 <= doc["level"] <= 7:
        fail(f"gelf {kind}: level {doc['level']}")
    if doc["host"] != row["host"]:
        fail(f"gelf {kind}: host {doc['host']} != {row['host']}")
    t = row[TIME_COLUMN[kind]] or row.get("disconnect_time")
    if abs(doc["timestamp"] - datetime.datetime.fromisoformat(t).timestamp()) > 1e-6:
        fail(f"gelf {kind}: timestamp {doc['timestamp']} != {t}")
    extra = {}
    for k, v in doc.items():
        if k in ("version", "host", "short_message", "full_message", "timestamp", "level"):
            continue
        if not GELF_KEY.match(k) or k == "_id":
            fail(f"gelf {kind}: additional field {k!r} not allowed")
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            fail(f"gelf {kind}: {k} = {v!r} is not a string or a number")
        extra[k] = v
    want = {"_" + c: (int(v) if isinstance(v, bool) else v) for c, v in row.items() if v is not None and c != "host"}
    want["_record"] = kind
    if extra != want:
        diff = {k: (extra.get(k), want.get(k)) for k in set(extra) | set(want) if extra.get(k) != want.get(k)}
        fail(f"gelf {kind}: additional fields differ from the jsonl record: {diff}")


def main():
    maillens, src = sys.argv[1], sys.argv[2]
    log = f"{src}/tests/data/realpostfix-sample/maillog"
    counts = {}
    for kind in DATASETS:
        rows = export(maillens, log, kind, "jsonl")
        ecs = export(maillens, log, kind, "ecs")
        gelf = export(maillens, log, kind, "gelf")
        if not rows or len(ecs) != len(rows) or len(gelf) != len(rows):
            fail(f"{kind}: {len(rows)} jsonl, {len(ecs)} ecs, {len(gelf)} gelf records")
            continue
        columns = set(rows[0])
        for doc, row in zip(ecs, rows):
            check_ecs(kind, columns, doc, row)
        for doc, row in zip(gelf, rows):
            check_gelf(kind, doc, row)
        counts[kind] = len(rows)
    if failures:
        report()
    print("ok: ecs and gelf, every line valid:", ", ".join(f"{n} {k}" for k, n in counts.items()))


if __name__ == "__main__":
    main()

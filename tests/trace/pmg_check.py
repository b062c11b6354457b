#!/usr/bin/env python3
"""pmg_check.py - `maillens trace` finds, in substance, what pmg-log-tracker's
expected outputs (../shared/corpora/pmg-log-tracker, see EXPECTED.md) list:
every queued message (QENTRY) with its size, client, message-id and
recipients, each recipient handed over (Postfix status sent; the filter's
verdict B = BLOCKED visible in the outcome; A = accepted and re-queued: the
new queue ID in parentheses delivers it; PMG names it only in its own filter's
lines, so it is not a Postfix "queued as" link), and every NOQUEUE reject (code N) found
by --client/--from. Proxy (before-queue) sessions without a Postfix queue ID
and with codes other than N carry no Postfix outcome and are not checked.

Usage: pmg_check.py MAILLENS CORPUS_DIR
"""
import json
import re
import subprocess
import sys

maillens, corpus = sys.argv[1:3]
CASES = [("test_output_before_queue", "test_input_mixed"), ("test_output_after_queue", "test_input_mixed"),
         ("test_output_time_rfc3339_mixed", "test_input_time_rfc3339_mixed")]
failures = []
checked = 0


def trace(log, *args):
    out = subprocess.run([maillens, "trace", "--year", "2020", "--format", "json", *args, f"{corpus}/{log}"],
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line]


def blocks(path):
    """Each QENTRY/SMTPD block: its kind, id, SIZE, CLIENT, MSGID and TO lines."""
    out = []
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        m = re.match(r"^(QENTRY|SMTPD): (\S+)$", line)
        if m:
            out.append({"kind": m.group(1), "id": m.group(2), "to": []})
        elif out and line.startswith(("SIZE: ", "CLIENT: ", "MSGID: ")):
            key, value = line.split(": ", 1)
            out[-1][key] = value.rstrip(",")
        elif out and line.startswith("TO:"):
            m = re.match(r"^TO:[0-9A-F]+:[^:]+:(\w): from <(.*)> to <(.*?)>(?: \((.*)\))?$", line)
            out[-1]["to"].append(m.groups())
    return out


for expected, log in CASES:
    for b in blocks(f"{corpus}/{expected}"):
        where = f"{expected} {b['kind']} {b['id']}"
        if b["kind"] == "QENTRY":
            objs = trace(log, "--qid", b["id"])
            msg = next((o for o in objs if o["queue_id"] == b["id"]), None)
            checked += 1
            if msg is None:
                failures.append(f"{where}: not found")
                continue
            if "SIZE" in b and msg["size"] != int(b["SIZE"]):
                failures.append(f"{where}: size {msg['size']} != {b['SIZE']}")
            if "CLIENT" in b and msg["client"] != b["CLIENT"]:
                failures.append(f"{where}: client {msg['client']!r} != {b['CLIENT']!r}")
            if "MSGID" in b and msg["message_id"] != b["MSGID"]:
                failures.append(f"{where}: message-id {msg['message_id']!r} != {b['MSGID']!r}")
            outcomes = {r["to"]: r for r in msg["recipients"]}
            for code, sender, rcpt, extra in b["to"]:
                r = outcomes.get(rcpt)
                if r is None or r["status"] != "sent":
                    failures.append(f"{where}: {rcpt} {r and r['status']} (pmg code {code})")
                elif code == "B" and "BLOCKED" not in r["outcome"]:
                    failures.append(f"{where}: {rcpt} blocked by the filter, outcome {r['outcome']!r}")
                elif code == "A":  # the filter re-queued it (pmg-smtp-filter's line names the new queue ID)
                    hop = next((o for o in trace(log, "--qid", extra) if o["queue_id"] == extra), None)
                    if hop is None or rcpt not in {x["to"] for x in hop["recipients"] if x["status"] == "sent"}:
                        failures.append(f"{where}: {rcpt} re-queued as {extra}, not traced there")
        else:
            for code, sender, rcpt, extra in b["to"]:
                if code != "N":
                    continue
                checked += 1
                objs = trace(log, "--client", b["CLIENT"].split("[")[-1].rstrip("]"), "--from", sender)
                if not any(o["queue_id"] == "NOQUEUE" and o["recipients"][0]["status"] == "rejected" for o in objs):
                    failures.append(f"{where}: NOQUEUE reject from <{sender}> not found")

for f in failures:
    print("MISMATCH", f)
print(f"pmg-log-tracker: {checked} entries checked, {len(failures)} mismatches")
sys.exit(1 if failures or checked == 0 else 0)

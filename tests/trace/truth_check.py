#!/usr/bin/env python3
"""truth_check.py - every message a real-Postfix run sent (truth.json) is found
by `maillens trace`, with the right final status per recipient, following
content-filter hops, local forwards, requeues and bounce notices.

Usage: truth_check.py MAILLENS MAILLOG TRUTH_JSON
Handles both truth layouts: tests/e2e/scenario.py ("transactions") and the
shared realpostfix-sample ("messages"). Exits 1 on any mismatch.
"""
import json
import subprocess
import sys

maillens, maillog, truth_path = sys.argv[1:4]
truth = json.load(open(truth_path))

# Planned outcome word -> the trace status word.
WORDS = {"delivered_local": "sent", "delivered_relay": "sent", "forwarded": "sent", "sent": "sent",
         "bounced": "bounced", "expired": "expired", "deleted": "deleted", "discarded": "discarded",
         "discard": "discarded", "held": "held", "hold": "held", "redirect": "sent", "deferred": "deferred",
         "reject": "rejected"}


def planned(expect):
    """The final status word of a planned outcome, or None (nothing to trace)."""
    if expect == "reject:size":  # smtpd's "warning: QID: queue file size limit exceeded": not traced (doc/trace.md)
        return None
    last = expect.split("->")[-1].split("+")[-1]
    return WORDS.get(last.split(":")[0].split("(")[0])


def trace(*args):
    out = subprocess.run([maillens, "trace", "--format", "json", *args, maillog],
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line]


def finals(objs, qid, rcpt):
    """Final status words of `rcpt` in the message `qid` of a trace tree."""
    by_qid = {o["queue_id"]: o for o in objs}
    obj = by_qid.get(qid)
    if obj is None:
        return set()
    entries = [r for r in obj["recipients"] if rcpt in (r["to"], r["orig_to"])]
    if not entries:
        entries = obj["recipients"] if len(obj["recipients"]) == 1 else []
    words = set()
    children = [link["queue_id"] for link in obj["links"] if link["kind"] == "queued_as"]
    for r in entries:
        if r["outcome"].startswith("handed on") and children:
            for c in children:
                sub = finals(objs, c, rcpt)
                if not sub:  # forwarded to another address: the hop's outcomes
                    sub = {x["status"] for x in by_qid.get(c, {"recipients": []})["recipients"]}
                words |= sub
        else:
            words.add(r["status"])
    # A requeue (pickup orig_id=) continues the message under a new queue ID.
    for link in obj["links"]:
        if link["kind"] == "requeued":
            words = finals(objs, link["queue_id"], rcpt) or words
    return words


if isinstance(truth.get("transactions"), list):
    messages = [{"queue_id": t.get("queue_id"), "sender": t.get("sender"), "message_id": t.get("message_id"),
                 "recipients": [(r["rcpt"], r["expect"]) for r in t["recipients"]]} for t in truth["transactions"]]
else:
    messages = [{"queue_id": m.get("queue_id"), "sender": m.get("sender"), "message_id": m.get("message_id"),
                 "recipients": [(r["address"], r["expect"]) for r in m["recipients"]]} for m in truth["messages"]]

# Queue operations the scenario ran after sending change the final outcome.
ops = {}
for op in truth.get("queue_ops", []):
    words = op.get("command", "").split()
    for flag, word in (("-d", "deleted"), ("-h", "held"), ("-H", "sent")):
        if flag in words and words.index(flag) + 1 < len(words):
            ops[words[words.index(flag) + 1]] = word

checked = failed = 0
for m in messages:
    for rcpt, expect in m["recipients"]:
        want = planned(expect)
        if want is not None and m["queue_id"] in ops:
            want = ops[m["queue_id"]]
        if want is None:
            continue
        if m["queue_id"]:
            objs = trace("--qid", m["queue_id"])
            got = finals(objs, m["queue_id"], rcpt)
        elif want == "rejected":
            objs = trace("--from", m["sender"] or "", "--to", rcpt)
            got = {r["status"] for o in objs for r in o["recipients"] if rcpt in (r["to"], r["orig_to"]) or
                   r["to"] == "(all recipients)"}
        elif m["message_id"]:
            objs = trace("--message-id", m["message_id"])
            got = set()
            for o in objs:
                got |= finals(objs, o["queue_id"], rcpt)
        else:
            continue
        checked += 1
        if want not in got:
            failed += 1
            print(f"MISMATCH {m['queue_id'] or m['message_id'] or m['sender']} {rcpt}: planned {expect!r} "
                  f"(-> {want}), trace says {sorted(got) or 'nothing'}")
print(f"{checked} recipients checked, {failed} mismatches")
sys.exit(1 if failed or checked == 0 else 0)

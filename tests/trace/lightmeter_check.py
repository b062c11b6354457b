#!/usr/bin/env python3
"""lightmeter_check.py - `maillens trace` reproduces, in substance, the
message-tracking results lightmeter's tests assert on its individual log files
(../shared/corpora/lightmeter/EXPECTED_tracking.md): which messages, which
recipients, which final status, and the links (content-filter re-queues,
bounce notices).

A lightmeter "result" is one delivery attempt (or expiry) of a message's last
queue: hand-overs to a content filter that re-queues the message in the same
log are not results of their own. Usage: lightmeter_check.py MAILLENS DIR
"""
import json
import subprocess
import sys

maillens, corpus = sys.argv[1:3]
failures = []


def trace(files, *args):
    p = subprocess.run([maillens, "trace", "--year", "2020", "--format", "json", *args,
                        *[f"{corpus}/{f}" for f in files]], capture_output=True, text=True)
    # Exit 1 is grep's "no match" (and then nothing on stdout); anything else is a failure.
    if p.returncode not in (0, 1) or (p.returncode == 1 and p.stdout.strip()):
        raise SystemExit(f"trace {files} {args}: exit {p.returncode}: {p.stderr}")
    return [json.loads(line) for line in p.stdout.splitlines() if line]


def results(objs):
    """(queue_id, recipient, status) of each delivery attempt/expiry, hand-overs to a traced hop left out."""
    traced = {o["queue_id"] for o in objs}
    out = []
    for o in objs:
        for e in o["events"]:
            if e["kind"] == "delivery" and e.get("child_queue_id") not in traced:
                out.append((o["queue_id"], e["to"], e["status"]))
            elif e["kind"] == "expired":
                out.append((o["queue_id"], None, "expired"))
    return out


def check(name, cond, detail=""):
    if not cond:
        failures.append(f"{name}: {detail}")


def by_qid(objs):
    return {o["queue_id"]: o for o in objs}


# Upstream result counts per file.
COUNTS = {"1_bounce_simple.log": 2, "2_multiple_recipients_some_bounces.log": 6,
          "2_multiple_recipients_some_bounces_no_last_remove.log": 6, "3_local_delivery.log": 1,
          "5_zimbra_amavisd.log": 1, "7_only_connections_and_disconnections.log": 0, "9_mixed_messages.log": 8,
          "10_pickup.log": 1, "11_single_successful_delivery.log": 1,
          "12_two_independent_deliveries_in_the_same_smtpd_process_in_order.log": 2,
          "12_two_independent_deliveries_in_the_same_smtpd_process_mixed.log": 2,
          "13_empty_msgid_issue_388.log": 1, "15_milter-reject.log": 0, "16_corrupted_messageid.log": 1,
          "17-smtpd-reject.log": 0, "17-smtpd-reject-with-milter-reject.log": 0, "18_expired.log": 7,
          "22_virtual_delivery.log": 1, "25_authclean_cleanup.log": 1, "26_two_recipients.log": 2,
          "28_received_bounce.log": 1, "31_relayed_bounce.log": 2, "33_delivery_with_remote_id.log": 1}
for f, n in COUNTS.items():
    r = results(trace([f]))
    check(f, len(r) == n, f"{len(r)} results, upstream {n}: {r}")

# 1: the bounce and the notice back to the sender, linked.
objs = trace(["1_bounce_simple.log"])
r = results(objs)
check("1 bounced", ("invalid.email@example.com", "bounced") in [(t, s) for _, t, s in r], r)
check("1 notice", ("user@sender.com", "sent") in [(t, s) for _, t, s in r], r)
roots = [o for o in objs if o["parent"] is None]
check("1 one tree", len(roots) == 1 and roots[0]["from"] == "user@sender.com" and
      roots[0]["message_id"] == "<ca10035e-2951-bfd5-ec7e-1a5773fce1cd@mail.sender.com>" and roots[0]["size"] == 391,
      [(o["queue_id"], o["from"], o["size"]) for o in roots])
check("1 processed size", any(o["size"] == 1111 for o in objs))
# 2: five recipients, some bounce (the log has three 5xx lines; EXPECTED_tracking.md's summary says
# two), and the DSN back to the sender is a notice of the re-queued message.
objs = trace(["2_multiple_recipients_some_bounces.log"])
r = results(objs)
check("2 recipients", len({t for q, t, _ in r if q == "1310930001DB"}) == 5, r)
check("2 dsn", by_qid(objs)["C7B4530001DA"]["parent"]["queue_id"] == "1310930001DB" and
      {"kind": "notice", "host": "mail", "queue_id": "C7B4530001DA"} in by_qid(objs)["1310930001DB"]["links"])
# 6: deferred, then sent on retry (final hop of the recipient's chain).
objs = trace(["6_deferred_message_retry.log"], "--to", "recipient@recipient.com")
r = [s for _, t, s in results(objs)]
check("6 retry", r == ["deferred", "sent"], r)
# 11 and 12: client, sender, message-id, recipients.
for f in ("11_single_successful_delivery.log", "12_two_independent_deliveries_in_the_same_smtpd_process_in_order.log",
          "12_two_independent_deliveries_in_the_same_smtpd_process_mixed.log"):
    objs = trace([f], "--to", "recipient1@dst1.example.com")
    root = [o for o in objs if o["parent"] is None]
    check(f + " r0", len(root) == 1 and root[0]["client"].startswith("client.example.com[") and
          root[0]["from"] == "sender@mydomain.com" and root[0]["size"] == 502 and
          root[0]["message_id"] == "<264dc34c-ad52-466c-6d41-6622dfced3b8@mydomain.com>", root)
    check(f + " r0 sent", results(objs)[-1][1:] == ("recipient1@dst1.example.com", "sent"), results(objs))
for f in ("12_two_independent_deliveries_in_the_same_smtpd_process_in_order.log",
          "12_two_independent_deliveries_in_the_same_smtpd_process_mixed.log"):
    objs = trace([f], "--message-id", "lalalacacaca@lala.com")
    check(f + " r1", [t[1:] for t in results(objs)] == [("dst2@dst2.com", "sent")] and
          objs[0]["client"].startswith("client2.another.example.com[") and objs[0]["size"] == 503, results(objs))
# 13: final queue CACACACA.
objs = trace(["13_empty_msgid_issue_388.log"], "--to", "h-10@h-e858bb21f.com")
check("13 final queue", [q for q, _, _ in results(objs)] == ["CACACACA"], results(objs))
# 18: deferrals, expiry of 23EBE3D5C0, its notice A7E673C067 sent.
objs = trace(["18_expired.log"])
r = results(objs)
check("18 deferred", [s for q, _, s in r if q == "23EBE3D5C0"] == ["deferred"] * 5 + ["expired"], r)
notice = by_qid(objs).get("A7E673C067")
check("18 notice", notice is not None and notice["parent"] == {"host": notice["parent"]["host"], "queue_id": "23EBE3D5C0"}
      and notice["message_id"] == "<h-75055d2ab82e952d4ce9c3445@h-3857624469d1756194e464.com>" and
      notice["recipients"][0]["status"] == "sent", notice)
# 21: search by sender and recipient gives two messages delivered locally.
objs = trace(["21_deliveries_with_local_daemon.log"], "--from", "h-195704c@h-b7bed8eb24c5049d9.com",
             "--to", "h-493fac8f3@h-ea3f4afa.com")
got = sorted((q, s) for q, t, s in results(objs) if t == "h-493fac8f3@h-ea3f4afa.com")
check("21 search", [q for q, _ in got] == ["95154657C", "D390B657C"] and all(s == "sent" for _, s in got), got)
# 26: two recipients of B9996EABB6.
objs = trace(["26_two_recipients.log"], "--qid", "B9996EABB6")
check("26", sorted((t, s) for _, t, s in results(objs)) ==
      [("recipient1@external.org", "sent"), ("recipient2@external.org", "sent")], results(objs))
# 27: one sent, one received.
objs = trace(["27_one_sent_one_received.log"])
check("27", {"4FA51DFCAD", "DF1C3EB916"} <= {o["queue_id"] for o in objs}, [o["queue_id"] for o in objs])
# 29: two servers' logs of one message, read in either order: F27E789349 is traced.
for order in (["29_inbound_relayed_message_server_1.log", "29_inbound_relayed_message_server_2.log"],
              ["29_inbound_relayed_message_server_2.log", "29_inbound_relayed_message_server_1.log"]):
    objs = trace(order, "--qid", "F27E789349")
    check("29 " + order[0], len(objs) >= 1 and objs[0]["message_id"] ==
          "<fa421b15dce6013dc6e14fec64e371b2@swift.generated>" and
          any(s == "sent" for _, _, s in results(objs)), [(o["queue_id"], o["recipients"]) for o in objs])
# 4: a remote "queued as" is no hop: ADCC76373 and AE391AC0B4E are not in the log.
objs = trace(["4_lost_queue.log"])
check("4 no false hop", not {"ADCC76373", "AE391AC0B4E"} & {o["queue_id"] for o in objs})

for f in failures:
    print("MISMATCH", f)
print(f"lightmeter: {len(failures)} mismatches")
sys.exit(1 if failures else 0)

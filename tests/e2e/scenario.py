#!/usr/bin/env python3
"""Seeded mail scenario for tests/e2e/run.sh (stdlib only).

Drives a running private Postfix instance (set up by run.sh) so that real
Postfix events happen, then writes OUT/truth.json:

  * every transaction sent (SMTP via swaks, or sendmail/pickup), its envelope,
    the SMTP replies it got and its queue ID(s);
  * for every recipient the outcome expected from what was sent;
  * the queue operations done (postsuper -d/-r/-H, postqueue -f);
  * "expected_totals": pflogsumm-style Grand Totals computed from the truth
    (see expected_totals() for the counting rules, taken from pflogsumm's
    main loop).

The one figure that cannot follow from what was sent, the number of deferral
retries, is derived from the log with a documented rule (deferrals_from_log)
and checked against a range; the test never copies a number from a tool under
test.

Phases: main (deliveries, rejects, SASL, holds, ...) -> deferral phase ->
snapshot (postqueue -j, qshape) while deferred mail is queued -> queue
operations -> wait out maximal_queue_lifetime -> flush (expiry) -> settle.
Finally every accepted message is checked against the log (verify_log), so a
scenario that did not happen as planned fails here, before any tool is
compared with it.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import time

LOCAL_USERS = ["alice", "bob", "carol", "dave", "erin", "frank"]
TEAM = ["alice", "bob", "carol"]           # alias team -> 3 local deliveries
SASL_USERS = {"alice": "alice-secret", "bob": "bob-secret", "frank": "frank-secret"}
EXTERNAL_SENDERS = ["news@partner.example", "billing@vendor.example",
                    "jane@customer.example", "noreply@service.example"]
WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo "
         "lima mike november oscar papa quebec romeo sierra tango uniform "
         "victor whiskey xray yankee zulu").split()

# Outcomes a recipient can have (the "expect" field of a recipient).
#   delivered_local              local(8) delivery (aliases may fan out)
#   delivered_relay              smtp delivery to the accepting loopback sink
#   forwarded                    local alias to a remote address: local(8)
#                                logs "forwarded as", the copy is then
#                                delivered to the sink
#   bounced                      sink answered 5xx after the message was queued
#   reject:<kind>                NOQUEUE/qid reject at RCPT time
#   reject_warning+delivered_local   warn_if_reject, then delivered
#   filtered+delivered_local     content-filter hop (smtp to :10026) + delivery
#   held                         header_checks HOLD, left in the hold queue
#   held+released+delivered_local    HOLD, then postsuper -H, then delivered
#   discarded                    header_checks DISCARD
#   deferred+expired             closed port until maximal_queue_lifetime
#   deferred+deleted             deferred, then postsuper -d
#   deferred+requeued+expired    deferred, postsuper -r (new queue ID via
#                                pickup), deferred again, expired
#   not_sent:auth_failed         SASL AUTH failed, no MAIL FROM was sent
REJECT_CODES = {"unknown_user": "550", "relay_denied": "554", "helo": "554",
                "sender_domain": "554", "client_access": "554"}


def now():
    return time.time()


class ScenarioError(Exception):
    """The scenario did not happen as planned (not a tool failure)."""


class Scenario:
    """Plans, sends and records one seeded scenario."""

    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.etc = a.etc
        self.maillog = a.maillog
        self.out = a.out
        self.datadir = os.path.join(a.work, "msgdata")
        os.makedirs(self.datadir, exist_ok=True)
        self.txns = []
        self.queue_ops = []
        self.t0 = now()
        self.serial = 0

    # ------------------------------------------------------------ helpers --

    def log(self, msg):
        """Progress line on stderr."""
        print("[scenario %6.1fs] %s" % (now() - self.t0, msg), file=sys.stderr, flush=True)

    def run(self, cmd, timeout=60, stdin=None, check=True):
        """Run a command with a timeout; return CompletedProcess (text)."""
        try:
            p = subprocess.run(cmd, stdin=stdin, capture_output=True, text=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ScenarioError("timed out after %ss: %s" % (timeout, " ".join(cmd)))
        if check and p.returncode != 0:
            raise ScenarioError("%s exited %d: %s" % (cmd[0], p.returncode,
                                                      (p.stderr or p.stdout).strip()))
        return p

    def read_log(self):
        """Current maillog lines."""
        with open(self.maillog, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()

    def wait_log(self, regex, timeout=20, what="log line"):
        """Poll the maillog until a line matches; return the match."""
        rx = re.compile(regex)
        deadline = now() + timeout
        while now() < deadline:
            for line in self.read_log():
                m = rx.search(line)
                if m:
                    return m
            time.sleep(0.2)
        raise ScenarioError("no %s within %ss (regex %s)" % (what, timeout, regex))

    def postqueue(self):
        """postqueue -j as a list of dicts."""
        p = self.run(["postqueue", "-c", self.etc, "-j"])
        return [json.loads(l) for l in p.stdout.splitlines() if l.strip()]

    def wait_idle(self, timeout=60, what="queue to settle"):
        """Wait until nothing is in maildrop/incoming/active (twice in a row)."""
        deadline = now() + timeout
        quiet = 0
        while now() < deadline:
            busy = [m for m in self.postqueue()
                    if m["queue_name"] in ("maildrop", "incoming", "active")]
            quiet = quiet + 1 if not busy else 0
            if quiet >= 2:
                return
            time.sleep(0.4)
        raise ScenarioError("timed out waiting for the %s" % what)

    def queue_op(self, what, cmd):
        """Run and record a queue operation (postsuper/postqueue)."""
        p = self.run(cmd)
        self.queue_ops.append({"t": round(now(), 3), "what": what,
                               "command": " ".join(cmd),
                               "output": (p.stdout + p.stderr).strip()})
        self.log("%s: %s" % (what, " ".join(cmd[3:])))

    # ----------------------------------------------------- message builder --

    def body_text(self, nbytes):
        """Deterministic pseudo-text of about nbytes bytes (72-col lines)."""
        lines, total = [], 0
        while total < nbytes:
            line = " ".join(self.rng.choice(WORDS) for _ in range(10))[:72]
            lines.append(line)
            total += len(line) + 1
        return "\n".join(lines) + "\n"

    def new_txn(self, category, sender, rcpts, *, via="smtp", client_ip="127.0.0.1",
                helo="client.example.net", subject=None, size=600, auth=None):
        """Create a transaction record; rcpts is a list of (address, expect)."""
        self.serial += 1
        tid = "T%03d" % self.serial
        mid = "e2e.%d.%s@example.test" % (self.a.seed, tid)
        subject = subject or "%s %s %s" % (category, tid, self.rng.choice(WORDS))
        headers = ("From: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s>\n"
                   "Date: Thu, 01 Jan 2026 00:00:00 +0000\nMIME-Version: 1.0\n"
                   "Content-Type: text/plain; charset=us-ascii\n\n") % (
                       sender or "MAILER-DAEMON@example.test",
                       ", ".join(r for r, _ in rcpts), subject, mid)
        data = headers + self.body_text(max(0, size - len(headers)))
        path = os.path.join(self.datadir, tid + ".eml")
        with open(path, "w") as f:
            f.write(data)
        t = {"id": tid, "category": category, "via": via, "client_ip": client_ip,
             "helo": helo if via != "sendmail" else None,
             "sender": sender, "subject": subject, "message_id": mid,
             "data_bytes": len(data.encode()), "auth": auth,
             "recipients": [{"rcpt": r, "expect": e} for r, e in rcpts],
             "queue_id": None, "client_rc": None, "sent_at": None}
        t["_path"] = path
        self.txns.append(t)
        return t

    # -------------------------------------------------------------- senders --

    def send(self, t):
        """Send one transaction (swaks or sendmail) and check the replies."""
        t["sent_at"] = round(now(), 3)
        if t["via"] == "sendmail":
            self.send_sendmail(t)
        else:
            self.send_swaks(t)

    def send_swaks(self, t):
        """Send over SMTP with swaks; record per-RCPT replies and queue ID."""
        port = self.a.port_submission if t["via"] == "submission" else self.a.port_smtp
        cmd = ["swaks", "--server", "127.0.0.1", "--port", str(port),
               "--helo", t["helo"], "--from", t["sender"] or "<>",
               "--to", ",".join(r["rcpt"] for r in t["recipients"]),
               "--data", "@" + t["_path"], "--suppress-data", "--timeout", "20"]
        if t["client_ip"] != "127.0.0.1":
            cmd += ["--local-interface", t["client_ip"]]
        if t["auth"]:
            cmd += ["--auth", t["auth"]["mech"], "--auth-user", t["auth"]["user"],
                    "--auth-password", t["auth"]["password"]]
        p = self.run(cmd, timeout=60, check=False)
        t["client_rc"] = p.returncode
        out = p.stdout + p.stderr
        # RCPT replies in order: " -> RCPT TO:<x>" then the final reply line.
        replies, pending = {}, None
        for line in out.splitlines():
            m = re.match(r"^\s*-> RCPT TO:<(.*)>", line)
            if m:
                pending = m.group(1)
                continue
            m = re.match(r"^\s*<(?:-|\*\*)\s+(\d{3})([ -])(.*)", line)
            if m and pending is not None and m.group(2) == " ":
                replies[pending] = m.group(1) + " " + m.group(3)
                pending = None
        m = re.search(r"queued as ([0-9A-F]+)", out)
        t["queue_id"] = m.group(1) if m else None
        if t["auth"]:
            t["auth"]["result"] = ("ok" if re.search(r"<-\s+235 ", out)
                                   else "failed" if re.search(r"<\*\*\s+535 ", out)
                                   else "unknown")
        for r in t["recipients"]:
            r["rcpt_reply"] = replies.get(r["rcpt"])
        self.check_replies(t, out)

    def check_replies(self, t, out):
        """Fail if the SMTP replies contradict the planned outcome."""
        problems = []
        for r in t["recipients"]:
            exp, rep = r["expect"], r.get("rcpt_reply")
            if exp.startswith("not_sent:"):
                if rep is not None:
                    problems.append("%s: RCPT was sent (%s)" % (r["rcpt"], rep))
            elif exp.startswith("reject:"):
                code = REJECT_CODES[exp.split(":", 1)[1]]
                if not rep or not rep.startswith(code):
                    problems.append("%s: expected %s reject, got %s" % (r["rcpt"], code, rep))
            elif not rep or not rep.startswith("250"):
                problems.append("%s: expected 250, got %s" % (r["rcpt"], rep))
        accepted = any(not r["expect"].startswith(("reject:", "not_sent:"))
                       for r in t["recipients"])
        if accepted and not t["queue_id"]:
            problems.append("no queue ID in the DATA reply")
        if not accepted and t["queue_id"]:
            problems.append("message was queued but should not have been")
        if t["auth"] and t["auth"]["result"] != t["auth"]["expect"]:
            problems.append("AUTH %s, expected %s" % (t["auth"]["result"], t["auth"]["expect"]))
        if problems:
            raise ScenarioError("%s (%s): %s\n--- swaks transcript ---\n%s" % (
                t["id"], t["category"], "; ".join(problems), out))

    def send_sendmail(self, t):
        """Submit through sendmail(1) -> postdrop -> pickup; find the queue ID."""
        with open(t["_path"]) as f:
            p = self.run(["sendmail", "-C", self.etc, "-i", "-f", t["sender"], "--"]
                         + [r["rcpt"] for r in t["recipients"]], stdin=f, check=False)
        t["client_rc"] = p.returncode
        if p.returncode != 0:
            raise ScenarioError("sendmail failed for %s: %s" % (t["id"], p.stderr.strip()))
        m = self.wait_log(r"postfix/cleanup\[\d+\]: ([0-9A-F]+): message-id=<%s>"
                          % re.escape(t["message_id"]), timeout=20,
                          what="pickup of %s" % t["id"])
        t["queue_id"] = m.group(1)

    # ------------------------------------------------------------- planning --

    def pick(self, pool, k=1):
        """k distinct random items of pool."""
        return self.rng.sample(pool, k)

    def local(self, user):
        return user + "@example.test"

    def plan_main(self):
        """Plan the main phase: everything except the deferrals."""
        rng, L, plan = self.rng, self.local, []
        ext = lambda: rng.choice(EXTERNAL_SENDERS)
        anysender = lambda: rng.choice([ext(), L(rng.choice(LOCAL_USERS))])
        # plain local deliveries
        for _ in range(8):
            plan.append(("inbound_local", anysender(),
                         [(L(self.pick(LOCAL_USERS)[0]), "delivered_local")], {}))
        # multi-recipient messages (2-4 distinct local users)
        for _ in range(4):
            users = self.pick(LOCAL_USERS, rng.randint(2, 4))
            plan.append(("multi_recipient", anysender(),
                         [(L(u), "delivered_local") for u in users], {}))
        # alias expansion and alias forward
        for _ in range(2):
            plan.append(("alias_expansion", anysender(), [(L("team"), "delivered_local")],
                         {"deliveries": [L(u) for u in TEAM]}))
        plan.append(("alias_forward", anysender(), [(L("fwd"), "forwarded")], {}))
        # large messages
        for _ in range(2):
            plan.append(("large", anysender(),
                         [(L(self.pick(LOCAL_USERS)[0]), "delivered_local")],
                         {"size": rng.randint(300_000, 900_000)}))
        # outbound relay to the accepting sink (from mynetworks)
        for n in (1, 1, 2):
            plan.append(("outbound_relay", L(rng.choice(LOCAL_USERS)),
                         [("user%d@relay.test" % rng.randint(1, 99) if i == 0 else
                           "other%d@relay.test" % rng.randint(1, 99), "delivered_relay")
                          for i in range(n)], {}))
        # after-queue bounces (sink answers 5xx to RCPT); local senders get NDRs
        plan.append(("bounce_after_queue", L(rng.choice(LOCAL_USERS)),
                     [("nobody%d@bounce.test" % i, "bounced") for i in (1, 2)], {}))
        plan.append(("bounce_after_queue", L(rng.choice(LOCAL_USERS)),
                     [("gone@bounce.test", "bounced"),
                      (L(rng.choice(LOCAL_USERS)), "delivered_local")], {}))
        # NOQUEUE rejects of several kinds
        for _ in range(2):
            plan.append(("reject_unknown_user", anysender(),
                         [("nosuch%d@example.test" % rng.randint(1, 99), "reject:unknown_user")], {}))
        # partially rejected: the reject line carries the queue ID
        user = self.pick(LOCAL_USERS)[0]
        plan.append(("reject_unknown_user_partial", anysender(),
                     [(L(user), "delivered_local"),
                      ("ghost%d@example.test" % rng.randint(1, 99), "reject:unknown_user")], {}))
        for i in range(2):
            plan.append(("reject_relay", ext(),
                         [("someone%d@elsewhere.test" % rng.randint(1, 99), "reject:relay_denied")],
                         {"client_ip": "127.0.0.%d" % (30 + i)}))
        plan.append(("reject_helo", ext(),
                     [(L(u), "reject:helo") for u in self.pick(LOCAL_USERS, 2)],
                     {"helo": "spam.bot.test"}))
        plan.append(("reject_helo", ext(), [(L(rng.choice(LOCAL_USERS)), "reject:helo")],
                     {"helo": "spam.bot.test"}))
        for _ in range(2):
            plan.append(("reject_sender_domain", "spammer%d@bad.test" % rng.randint(1, 99),
                         [(L(rng.choice(LOCAL_USERS)), "reject:sender_domain")], {}))
        for _ in range(2):
            plan.append(("reject_client_access", ext(),
                         [(L(rng.choice(LOCAL_USERS)), "reject:client_access")],
                         {"client_ip": "127.0.0.66"}))
        # warn_if_reject: logged as reject_warning, then accepted and delivered
        for _ in range(2):
            plan.append(("reject_warning", ext(),
                         [(L("trap"), "reject_warning+delivered_local")], {}))
        # header_checks HOLD (first one is released later) and DISCARD
        plan.append(("header_hold", anysender(),
                     [(L(rng.choice(LOCAL_USERS)), "held+released+delivered_local")],
                     {"subject": "please review [e2e-hold] %s" % rng.choice(WORDS)}))
        plan.append(("header_hold", anysender(),
                     [(L(rng.choice(LOCAL_USERS)), "held")],
                     {"subject": "please review [e2e-hold] %s" % rng.choice(WORDS)}))
        for _ in range(2):
            plan.append(("header_discard", anysender(),
                         [(L(u), "discarded") for u in self.pick(LOCAL_USERS, rng.randint(1, 2))],
                         {"subject": "junk [e2e-discard] %s" % rng.choice(WORDS)}))
        # SASL through Dovecot on the submission port
        for user in ("alice", "bob", "frank"):
            rcpt = rng.choice([("user%d@relay.test" % rng.randint(1, 99), "delivered_relay"),
                               (L(rng.choice(LOCAL_USERS)), "delivered_local")])
            plan.append(("sasl_ok", L(user), [rcpt],
                         {"via": "submission", "client_ip": "127.0.0.%d" % rng.randint(40, 49),
                          "auth": {"mech": rng.choice(["PLAIN", "LOGIN"]), "user": user,
                                   "password": SASL_USERS[user], "expect": "ok"}}))
        for user, pw in (("alice", "wrong-1"), ("bob", "wrong-2"),
                         ("mallory", "guess"), ("frank", "Frank-Secret")):
            plan.append(("sasl_fail", L(user) if user in LOCAL_USERS else "mallory@evil.test",
                         [("user%d@relay.test" % rng.randint(1, 99), "not_sent:auth_failed")],
                         {"via": "submission", "client_ip": "127.0.0.%d" % rng.randint(50, 59),
                          "auth": {"mech": rng.choice(["PLAIN", "LOGIN"]), "user": user,
                                   "password": pw, "expect": "failed"}}))
        # content filter: sender_access FILTER -> smtp to :10026 -> re-injected
        for n in (1, 2):
            plan.append(("content_filter", "sender%d@filtered.test" % rng.randint(1, 99),
                         [(L(u), "filtered+delivered_local") for u in self.pick(LOCAL_USERS, n)], {}))
        # local submission through sendmail(1) -> pickup
        for n in (1, 1, 2):
            plan.append(("sendmail_pickup", L(rng.choice(LOCAL_USERS)),
                         [(L(u), "delivered_local") for u in self.pick(LOCAL_USERS, n)],
                         {"via": "sendmail"}))
        rng.shuffle(plan)
        return [self.make(*p) for p in plan]

    def make(self, category, sender, rcpts, opts):
        """Turn one plan entry into a transaction record."""
        opts = dict(opts)
        deliveries = opts.pop("deliveries", None)
        t = self.new_txn(category, sender, rcpts, **opts)
        for r in t["recipients"]:
            if r["expect"] == "delivered_local":
                r["deliveries"] = deliveries or [r["rcpt"]]
        return t

    def plan_deferrals(self):
        """Plan the deferral phase (closed port; expiry, delete, requeue)."""
        rng, L = self.rng, self.local
        d = lambda: "user%d@deferred.test" % rng.randint(1, 999)
        s = self.pick(LOCAL_USERS, 5)
        plan = [
            ("deferred_expire", L(s[0]), [(d(), "deferred+expired")], {}),
            ("deferred_expire_multi", L(s[1]), [(d(), "deferred+expired"),
                                                (d(), "deferred+expired")], {}),
            ("deferred_expire_mixed", L(s[2]), [(d(), "deferred+expired"),
                                                (L(rng.choice(LOCAL_USERS)), "delivered_local")], {}),
            ("deferred_expire_null_sender", "", [(d(), "deferred+expired")], {}),
            ("deferred_delete", L(s[3]), [(d(), "deferred+deleted")], {}),
            ("deferred_requeue", L(s[4]), [(d(), "deferred+requeued+expired")], {}),
        ]
        # unique recipients inside one message
        out = []
        for p in plan:
            t = self.make(*p)
            if len({r["rcpt"] for r in t["recipients"]}) != len(t["recipients"]):
                t["recipients"][1]["rcpt"] = "x" + t["recipients"][1]["rcpt"]
            out.append(t)
        return out

    # ------------------------------------------------------------ the run --

    def snapshot(self):
        """Save postqueue -j and qshape output while deferred mail is queued."""
        q = self.postqueue()
        with open(os.path.join(self.out, "postqueue.json"), "w") as f:
            for m in q:
                f.write(json.dumps(m, sort_keys=True) + "\n")
        parts = []
        for args in (["deferred"], ["-s", "deferred"], ["hold"]):
            p = self.run(["qshape", "-c", self.etc] + args)
            parts.append("# qshape %s\n%s" % (" ".join(args), p.stdout))
        with open(os.path.join(self.out, "qshape.txt"), "w") as f:
            f.write("\n".join(parts))
        by_queue = {}
        for m in q:
            by_queue[m["queue_name"]] = by_queue.get(m["queue_name"], 0) + 1
        self.log("snapshot: postqueue -j %s" % json.dumps(by_queue, sort_keys=True))
        return q

    def execute(self):
        """Run all phases in order."""
        lifetime = self.a.lifetime
        main = self.plan_main()
        self.log("phase main: %d transactions" % len(main))
        for t in main:
            self.send(t)
        self.wait_idle(what="main phase deliveries")

        deferrals = self.plan_deferrals()
        self.log("phase deferrals: %d transactions to a closed port" % len(deferrals))
        for t in deferrals:
            self.send(t)
        want = {t["queue_id"] for t in deferrals}
        deadline = now() + 30
        while now() < deadline:
            self.wait_idle(what="first delivery attempts")
            q = self.postqueue()
            if want <= {m["queue_id"] for m in q if m["queue_name"] == "deferred"}:
                break
            time.sleep(0.5)
        else:
            raise ScenarioError("deferred messages did not reach the deferred queue")

        q = self.snapshot()
        held = [m["queue_id"] for m in q if m["queue_name"] == "hold"]
        if len(held) != 2:
            raise ScenarioError("expected 2 held messages, found %d" % len(held))

        # queue operations
        by_cat = {t["category"]: t for t in self.txns}
        t_del, t_req = by_cat["deferred_delete"], by_cat["deferred_requeue"]
        t_rel = next(t for t in self.txns
                     if t["recipients"][0]["expect"] == "held+released+delivered_local")
        self.queue_op("postsuper -d (delete one deferred message)",
                      ["postsuper", "-c", self.etc, "-d", t_del["queue_id"]])
        self.queue_op("postsuper -H (release one held message)",
                      ["postsuper", "-c", self.etc, "-H", t_rel["queue_id"]])
        self.queue_op("postsuper -r (requeue one deferred message; new queue ID via pickup)",
                      ["postsuper", "-c", self.etc, "-r", t_req["queue_id"]])
        m = self.wait_log(r"postfix/pickup\[\d+\]: ([0-9A-F]+): .*orig_id=%s\b" % t_req["queue_id"],
                          timeout=20, what="pickup of the requeued message")
        t_req["requeued_as"] = m.group(1)
        requeue_created = now()
        self.wait_idle(what="release and requeue")

        # expiry: wait out the lifetime of the youngest deferred queue file,
        # then flush; repeat the flush until the deferred queue is empty
        oldest_ok = max(max(t["sent_at"] for t in deferrals), requeue_created) + lifetime + 1
        wait = max(0.0, oldest_ok - now())
        self.log("waiting %.0fs for maximal_queue_lifetime (%ss) to pass" % (wait, lifetime))
        time.sleep(wait)
        deadline = now() + 60
        while True:
            self.queue_op("postqueue -f (flush; expires mail older than the lifetime)",
                          ["postqueue", "-c", self.etc, "-f"])
            time.sleep(1.0)
            self.wait_idle(what="flush")
            left = [m for m in self.postqueue() if m["queue_name"] == "deferred"]
            if not left:
                break
            if now() > deadline:
                raise ScenarioError("deferred mail did not expire: %s" % left)
            time.sleep(2.0)
        self.wait_idle(what="non-delivery notifications")
        final = self.postqueue()
        stay = next(t for t in self.txns if t["recipients"][0]["expect"] == "held")
        if [(m["queue_name"], m["queue_id"]) for m in final] != [("hold", stay["queue_id"])]:
            raise ScenarioError("unexpected final queue: %s" % final)
        with open(os.path.join(self.out, "postqueue-final.json"), "w") as f:
            for m in final:
                f.write(json.dumps(m, sort_keys=True) + "\n")
        self.log("scenario done; final queue: 1 held message (%s)" % stay["queue_id"])

    # --------------------------------------------------------------- truth --

    def deferrals_from_log(self, lines):
        """Deferral lines per expected deferred queue ID, read from the log.

        Rule: the number of retries depends on timing, so it is taken from the
        log: for every queue ID the truth expects to be deferred (the swaks
        queue ID, plus the pickup queue ID of the requeued message, linked by
        pickup's orig_id=), count the lines '<qid>: to=<...>, ... status=deferred'.
        Each message must show between MIN and MAX attempts, where one attempt
        logs one line per deferred recipient; MIN is 2 for messages that
        expire (first attempt + the attempt after which qmgr expires them) and
        1 for the deleted one; MAX is 10 (retries every 8-16 s over at most
        ~60 s, plus flushes). Any status=deferred line for another queue ID
        is an unplanned deferral and fails the test.
        """
        per_qid = {}
        rx = re.compile(r"\]: ([0-9A-F]+): to=<([^>]*)>, .*status=deferred ")
        for line in lines:
            m = rx.search(line)
            if m:
                per_qid[m.group(1)] = per_qid.get(m.group(1), 0) + 1
        expected = {}
        for t in self.txns:
            drcpts = [r for r in t["recipients"] if r["expect"].startswith("deferred")]
            if not drcpts:
                continue
            qids = [(t["queue_id"], 2)]
            if t.get("requeued_as"):
                qids = [(t["queue_id"], 1), (t["requeued_as"], 2)]
            if drcpts[0]["expect"] == "deferred+deleted":
                qids = [(t["queue_id"], 1)]
            for qid, min_attempts in qids:
                n = per_qid.get(qid, 0)
                attempts, rest = divmod(n, len(drcpts))
                if rest or not (min_attempts <= attempts <= 10):
                    raise ScenarioError("%s (%s): %d deferral lines for %d deferred "
                                        "recipient(s): %d attempts not in [%d, 10]" % (
                                            t["id"], qid, n, len(drcpts), attempts, min_attempts))
                expected[qid] = n
        extra = set(per_qid) - set(expected)
        if extra:
            raise ScenarioError("unplanned deferrals for queue IDs %s" % sorted(extra))
        return expected

    def expected_totals(self, deferral_lines):
        """pflogsumm Grand Totals implied by the truth.

        Rules (pflogsumm 1.1.5 main loop):
          received   one per smtpd "client=" line + one per pickup "uid=|sender="
                     line: an accepted SMTP message (any recipient accepted) is 1,
                     a content-filtered one 2 (the :10026 re-injection logs its
                     own client=), sendmail 1 (pickup), postsuper -r +1 (pickup).
          delivered  one per status=sent line without "forwarded as": local
                     deliveries (each alias fan-out address), sink deliveries,
                     the content-filter hop (smtp to :10026 logs status=sent
                     "queued as" per recipient) + the final delivery, the sink
                     delivery of a forwarded copy, and one per non-delivery
                     notification (bounced or expired mail with a non-null
                     sender; all senders that can get one are local).
          forwarded  status=sent lines with "forwarded as" (alias -> remote).
          deferred   distinct queue IDs with >=1 status=deferred line.
          deferrals  status=deferred lines (derived from the log, see
                     deferrals_from_log).
          bounced    status=bounced lines: one per recipient refused by the 5xx
                     sink. Expiry is a qmgr line without to=, not counted.
          rejected   smtpd "reject:" lines: one per rejected RCPT.
          reject_warnings  smtpd "reject_warning:" lines (one per RCPT).
          held       cleanup "hold: header" lines (one per message).
          discarded  cleanup "discard: header" lines (one per message).
        """
        tot = dict.fromkeys(["received", "delivered", "forwarded", "deferred", "deferrals",
                             "bounced", "rejected", "reject_warnings", "held", "discarded"], 0)
        for t in self.txns:
            exps = [r["expect"] for r in t["recipients"]]
            accepted = any(not e.startswith(("reject:", "not_sent:")) for e in exps)
            if accepted:
                tot["received"] += 1
                if any(e.startswith("filtered+") for e in exps):
                    tot["received"] += 1
                if t.get("requeued_as"):
                    tot["received"] += 1
            ndr = False
            for r in t["recipients"]:
                e = r["expect"]
                if e == "delivered_local":
                    tot["delivered"] += len(r["deliveries"])
                elif e in ("delivered_relay", "reject_warning+delivered_local",
                           "held+released+delivered_local"):
                    tot["delivered"] += 1
                elif e == "filtered+delivered_local":
                    tot["delivered"] += 2
                elif e == "forwarded":
                    tot["forwarded"] += 1
                    tot["delivered"] += 1
                elif e == "bounced":
                    tot["bounced"] += 1
                    ndr = True
                elif e in ("deferred+expired", "deferred+requeued+expired"):
                    ndr = True
                if e.startswith("reject:"):
                    tot["rejected"] += 1
                if e.startswith("reject_warning"):
                    tot["reject_warnings"] += 1
            if ndr and t["sender"]:
                tot["delivered"] += 1
            if any(e.startswith("held") for e in exps):
                tot["held"] += 1
            if "discarded" in exps:
                tot["discarded"] += 1
            if any(e.startswith("deferred") for e in exps):
                tot["deferred"] += 1 + (1 if t.get("requeued_as") else 0)
        tot["deferrals"] = sum(deferral_lines.values())
        return tot

    def verify_log(self, lines):
        """Check each accepted message's log lines against its expectations."""
        by_qid = {}
        for line in lines:
            m = re.search(r"\]: ([0-9A-F]{6,}): (.*)$", line)
            if m:
                by_qid.setdefault(m.group(1), []).append(m.group(2))
        problems = []
        for t in self.txns:
            qid = t["queue_id"]
            if not qid:
                continue
            ql = by_qid.get(qid, [])
            sent = [l for l in ql if "status=sent" in l]
            exps = [r["expect"] for r in t["recipients"]]
            if "discarded" in exps:
                ok = any(l.startswith("discard: header") for l in ql) and not sent
            elif "held" in exps:
                ok = any(l.startswith("hold: header") for l in ql) and not sent
            else:
                want_local = sum(len(r.get("deliveries", [r["rcpt"]])) for r in t["recipients"]
                                 if r["expect"].endswith("delivered_local")
                                 and not r["expect"].startswith("filtered"))
                got_local = sum(1 for l in sent if "relay=local" in l and "forwarded as" not in l)
                ok = got_local == want_local
                if "bounced" in exps:
                    ok = ok and sum("status=bounced" in l for l in ql) == exps.count("bounced")
                if any(e.endswith("expired") for e in exps):
                    eq = t.get("requeued_as") or qid
                    ok = ok and any("status=expired" in l for l in by_qid.get(eq, []))
                if any(e.startswith("filtered") for e in exps):
                    hop = [l for l in sent if "queued as" in l]
                    ok = ok and len(hop) == len(exps)
                    if hop:
                        t["filtered_as"] = re.search(r"queued as ([0-9A-F]+)", hop[0]).group(1)
                        fl = by_qid.get(t["filtered_as"], [])
                        ok = ok and sum("status=sent" in l and "relay=local" in l
                                        for l in fl) == len(exps)
                if "forwarded" in exps:
                    ok = ok and any("forwarded as" in l for l in sent)
            if not ok:
                problems.append("%s (%s, %s): log does not match %s:\n    %s" % (
                    t["id"], t["category"], qid, exps, "\n    ".join(ql)))
        if problems:
            raise ScenarioError("scenario did not happen as planned:\n" + "\n".join(problems))

    def versions(self):
        """Package versions of the peers."""
        v = {}
        for pkg in ("postfix", "dovecot-core", "swaks", "pflogsumm"):
            p = self.run(["dpkg-query", "-W", "-f=${Version}", pkg], check=False)
            v[pkg] = p.stdout.strip()
        return v

    def write_truth(self):
        """Derive totals, verify the log, and write truth.json."""
        lines = self.read_log()
        self.verify_log(lines)
        deferral_lines = self.deferrals_from_log(lines)
        totals = self.expected_totals(deferral_lines)
        outcome_counts = {}
        for t in self.txns:
            t.pop("_path", None)
            for r in t["recipients"]:
                outcome_counts[r["expect"]] = outcome_counts.get(r["expect"], 0) + 1
        cats = {}
        for t in self.txns:
            cats[t["category"]] = cats.get(t["category"], 0) + 1
        truth = {
            "generator": "tests/e2e/scenario.py",
            "seed": self.a.seed,
            "isolation": self.a.isolation,
            "versions": self.versions(),
            "settings": {"myhostname": "mx.example.test", "log_hostname": "mx",
                         "maximal_queue_lifetime_s": self.a.lifetime,
                         "bounce_queue_lifetime_s": self.a.lifetime,
                         "smtp_port": self.a.port_smtp,
                         "submission_port": self.a.port_submission,
                         "reinject_port": self.a.port_reinject,
                         "sink_ok_port": self.a.port_sink_ok,
                         "sink_5xx_port": self.a.port_sink_5xx,
                         "closed_port": self.a.port_closed,
                         "mynetworks": "127.0.0.1/32"},
            "notes": [
                "recipients[].expect is the outcome planned for that recipient; "
                "the vocabulary is documented at the top of scenario.py.",
                "queue_id is taken from the 250 reply to DATA (swaks) or, for "
                "sendmail, from the cleanup message-id= line; requeued_as and "
                "filtered_as link the follow-up queue IDs (pickup orig_id=, "
                "smtp 'queued as').",
                "expected_totals follow pflogsumm's counting rules; 'deferrals' "
                "is derived from the log (deferral_lines_by_queue_id), every other "
                "figure from what was sent.",
            ],
            "started_epoch": round(self.t0, 3),
            "finished_epoch": round(now(), 3),
            "counts_by_category": dict(sorted(cats.items())),
            "counts_by_expected_recipient_outcome": dict(sorted(outcome_counts.items())),
            "deferral_lines_by_queue_id": deferral_lines,
            "expected_totals": totals,
            "queue_ops": self.queue_ops,
            "transactions": self.txns,
        }
        with open(os.path.join(self.out, "truth.json"), "w") as f:
            json.dump(truth, f, indent=1, sort_keys=False)
            f.write("\n")
        self.log("truth: %d transactions; expected totals %s" % (
            len(self.txns), json.dumps(totals)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--etc", required=True)
    ap.add_argument("--maillog", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--isolation", default="unknown")
    ap.add_argument("--lifetime", type=int, required=True)
    for p in ("smtp", "submission", "reinject", "sink-ok", "sink-5xx", "closed"):
        ap.add_argument("--port-" + p, type=int, required=True)
    s = Scenario(ap.parse_args())
    try:
        s.execute()
        s.write_truth()
    except ScenarioError as e:
        print("scenario error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

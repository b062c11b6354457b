#!/usr/bin/env python3
"""exporter_cases_test.py MAILLENS CASES_JSON KNOWN - postfix_exporter's test expectations.

Runs `maillens metrics` on each case's lines (a fresh run per case, as
upstream) and compares every expected metric (summed over labels where the
case says so, or the exact series for vector expectations). Expectations
listed in KNOWN (case name <TAB> metric, with the reason) are known
differences: they must still differ (so the list stays exact); any other
mismatch fails.
"""
import json
import re
import subprocess
import sys
import tempfile


def parse(text):
    """Exposition text -> list of (name, labels dict, value)."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$', line)
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out.append((m.group(1), labels, float(m.group(4))))
    return out


def main():
    maillens, cases_path, known_path = sys.argv[1:4]
    known = set()
    for line in open(known_path):
        if line.strip() and not line.startswith("#"):
            case, metric = line.rstrip("\n").split("\t")[:2]
            known.add((case, metric))
    failures = []
    checked = 0
    for case in json.load(open(cases_path))["cases"]:
        with tempfile.NamedTemporaryFile("w", suffix=".log") as f:
            f.write("\n".join(case["lines"]) + "\n")
            f.flush()
            series = parse(subprocess.run([maillens, "metrics", f.name], check=True, capture_output=True,
                                          text=True).stdout)
        for key, want in case["expected_metrics"].items():
            name = key.split(" ")[0].split("{")[0]
            hist = re.match(r"(\S+) histogram (_count|_sum)$", key)  # "NAME histogram _sum"
            if hist:
                name = hist.group(1) + hist.group(2)
            if isinstance(want, list):
                got = sorted((tuple(sorted(l.items())), v) for n, l, v in series if n == name)
                want = sorted((tuple(sorted(w["labels"].items())), w["value"]) for w in want)
            else:
                got = sum(v for n, _, v in series if n == name)
            ok = got == want
            checked += 1
            if (case["name"], key) in known:
                if ok:
                    failures.append(f"{case['name']}: {key} now matches; remove it from {known_path}")
            elif not ok:
                failures.append(f"{case['name']}: {key}: got {got}, want {want}")
    for f in failures:
        print("FAIL", f)
    print(f"exporter_cases_test: {checked} expectations, {len(known)} known differences, {len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

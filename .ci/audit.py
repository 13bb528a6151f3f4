"""`make audit`: pip-audit of the pinned requirements, which skips (exit 0, with the reason) when its data is out of reach.

pip-audit asks PyPI's JSON API for each pinned version's known
vulnerabilities. Offline, or behind a registry mirror that serves packages
but not that API, every lookup fails, and pip-audit still says "No known
vulnerabilities found" and exits 0: a pass that audited nothing. So this
reads its JSON report and tells the three cases apart:

* a vulnerability in any package: list them, exit 1;
* no package could be looked up: "skipped", with pip-audit's reason, exit 0;
* otherwise: how many were audited clean (and which could not be), exit 0.

Usage: python .ci/audit.py [requirements.lock]
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TIMEOUT_S = 900  # the whole audit; each request has pip-audit's own --timeout
# pip-audit's own failures that mean the service is out of reach, not that the lock is wrong.
UNREACHABLE = ("ConnectionError", "ConnectTimeout", "ReadTimeout", "Max retries exceeded", "Name or service not known",
               "Temporary failure in name resolution", "Network is unreachable", "Failed to resolve")  # fmt: skip


def verdict(report: dict) -> tuple[int, list[str]]:
    """(exit code, lines to print) for pip-audit's JSON report."""
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    skipped = [d for d in deps if "skip_reason" in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if vulnerable:
        lines = [f"pip-audit: known vulnerabilities in {len(vulnerable)} of {len(audited)} audited packages:"]
        for d in vulnerable:
            for v in d["vulns"]:
                fixed = ", ".join(v.get("fix_versions") or []) or "no fixed version"
                lines.append(f"  {d['name']} {d['version']}: {v['id']} (fixed in: {fixed})")
        return 1, lines
    if not audited:
        reason = skipped[0]["skip_reason"] if skipped else "the report lists no packages"
        return 0, [
            f"pip-audit: skipped: none of the {len(skipped)} pinned packages could be looked up, so its "
            f"vulnerability data is out of reach from here (first reason: {reason})"
        ]
    lines = [f"pip-audit: no known vulnerabilities in {len(audited)} pinned packages"]
    if skipped:
        lines.append(f"pip-audit: {len(skipped)} could not be audited: " + ", ".join(d["name"] for d in skipped))
    return 0, lines


def main(argv: list[str]) -> int:
    lock = Path(argv[0] if argv else "requirements.lock")
    # --no-deps --disable-pip: the lock pins every package, so nothing needs resolving (no venv, no downloads).
    cmd = [sys.executable, "-m", "pip_audit", "-r", str(lock), "--no-deps", "--disable-pip", "-f", "json",
           "--progress-spinner", "off", "--timeout", "15"]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        print(f"pip-audit: skipped: no answer from its vulnerability service within {TIMEOUT_S} s")
        return 0
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        err = proc.stderr.strip()
        if any(marker in err for marker in UNREACHABLE):
            print(f"pip-audit: skipped: its vulnerability service is out of reach ({err.splitlines()[-1][:300]})")
            return 0
        print(f"pip-audit failed (exit {proc.returncode}):\n{err[-3000:]}", file=sys.stderr)
        return proc.returncode or 1
    code, lines = verdict(report)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

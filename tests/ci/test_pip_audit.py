"""`.ci/audit.py` (`make audit`): pip-audit's report read so that "audited nothing" is a skip, not a pass."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "audit.py"


def _audit():
    spec = importlib.util.spec_from_file_location("ci_audit", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


NOT_FOUND = "Dependency not found on PyPI and could not be audited: idna (3.10)"


@pytest.mark.unit
def test_a_vulnerability_fails_and_names_its_package_id_and_fix():
    code, lines = _audit().verdict({"dependencies": [
        {"name": "idna", "version": "3.6", "vulns": [{"id": "PYSEC-2024-60", "fix_versions": ["3.7"]}]},
        {"name": "rich", "version": "14.0", "vulns": []},
        {"name": "x", "skip_reason": NOT_FOUND},
    ]})  # fmt: skip
    assert code == 1
    assert lines == ["pip-audit: known vulnerabilities in 1 of 2 audited packages:",
                     "  idna 3.6: PYSEC-2024-60 (fixed in: 3.7)"]  # fmt: skip


@pytest.mark.unit
def test_nothing_looked_up_is_a_skip_with_the_reason_not_a_pass():
    code, lines = _audit().verdict({"dependencies": [{"name": "idna", "skip_reason": NOT_FOUND}] * 3})
    assert code == 0 and len(lines) == 1
    assert lines[0].startswith("pip-audit: skipped: none of the 3 pinned packages could be looked up")
    assert NOT_FOUND in lines[0]


@pytest.mark.unit
def test_a_clean_audit_passes_and_names_what_it_could_not_audit():
    code, lines = _audit().verdict({"dependencies": [
        {"name": "idna", "version": "3.10", "vulns": []}, {"name": "local-model-part", "skip_reason": NOT_FOUND},
    ]})  # fmt: skip
    assert code == 0
    assert lines == ["pip-audit: no known vulnerabilities in 1 pinned packages",
                     "pip-audit: 1 could not be audited: local-model-part"]  # fmt: skip


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_the_real_pip_audit_gives_one_of_the_three_verdicts(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("pip-audit==2.10.1\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(SCRIPT), str(lock)], capture_output=True, text=True, timeout=110)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith(("pip-audit: skipped:", "pip-audit: no known vulnerabilities in 1 ")), proc.stdout

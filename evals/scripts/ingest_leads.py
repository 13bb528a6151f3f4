"""Ingest rate on short articles: the leads of BBC articles (whole sentences up to 130 word pieces).

    python -m evals.scripts.ingest_leads [N]      # default 1000; ASSISTANT_EMBED_BACKEND picks the model

Writes the leads of the first N BBC articles whose lead holds 90 to 130
word pieces to one JSONL, ingests it into an empty temporary store with the
model already loaded, and prints articles/s (README "Performance").
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path


def main(n: int = 1000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ASSISTANT_HOME"] = str(Path(tmp) / "home")
        os.environ.setdefault("ASSISTANT_READER", "off")
        from assistant import Assistant
        from evals.fetch_bbc import fetch_bbc

        articles_path, _ = fetch_bbc()
        assistant = Assistant()
        assistant.embedder.warm_up()
        count = assistant.embedder.count_tokens
        leads, tokens = [], []
        for line in articles_path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            text, end, total = record["text"], 0, 0
            for m in re.finditer(r"[^.!?]+[.!?]+[\"'”’]?(?:\s+|$)", text):  # sentences, near enough for leads
                start, stop = m.start(), m.end()
                size = count(text[start:stop])
                if total + size > 130:
                    break
                total, end = total + size, stop
            if total >= 90:
                leads.append({"id": record["id"], "text": text[:end]})
                tokens.append(total)
            if len(leads) == n:
                break
        path = Path(tmp) / "leads.jsonl"
        path.write_text("".join(json.dumps(x) + "\n" for x in leads), encoding="utf-8")
        t0 = time.perf_counter()
        report = assistant.ingest([path])
        seconds = time.perf_counter() - t0
        assistant.close()
        print(
            f"{len(report.added)} articles of {sum(tokens) / len(tokens):.0f} tokens on average in {seconds:.1f} s: "
            f"{len(report.added) / seconds:.1f} articles/s ({assistant.embedder.id})"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)

"""How every benchmark reports: one JSON document on stdout, and in `--out FILE` when given."""

from __future__ import annotations

import json
from pathlib import Path


def emit(result: dict, out: Path | None) -> dict:
    """Print `result` as JSON (and write it to `out`); return it."""
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if out:
        Path(out).write_text(text + "\n", "utf-8")
    return result

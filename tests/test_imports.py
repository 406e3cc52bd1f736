"""Importing any module of the library costs nothing: pytest imports them all to run their `>>>` examples."""

import json
import os
import subprocess
import sys

from tests.builders import ROOT

IMPORT_ALL = """
import importlib, json, os, pkgutil, sys, threading
import search
names = [m.name for m in pkgutil.walk_packages(search.__path__, "search.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({
    "modules": len(names),
    "loaded": sorted(m for m in sys.modules if m.split(".")[0] in ("janome", "flask", "web")),
    "threads": threading.active_count(),
    "files": os.listdir("."),
}))
"""


def test_importing_every_module_loads_no_janome_flask_or_thread(tmp_path):
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", IMPORT_ALL],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["modules"] > 40
    assert found["loaded"] == []  # janome loads on first use; the library never imports Flask or web
    assert found["threads"] == 1 and found["files"] == []

"""The production gunicorn settings (config/gunicorn.conf.py) with the benchmark's bind.

The product and the trivial endpoint both run under this file, so under exactly the same
server settings, and those are the ones production uses.
"""

import os
import runpy
from pathlib import Path

_production = runpy.run_path(str(Path(__file__).resolve().parent.parent / "config" / "gunicorn.conf.py"))
globals().update({name: value for name, value in _production.items() if not name.startswith("__")})

bind = os.environ.get("BENCH_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("BENCH_WORKERS") or _production["workers"])

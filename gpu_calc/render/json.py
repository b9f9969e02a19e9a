"""JSON: the stable contract for scripts (MODEL.md section 8)."""

from __future__ import annotations

import json
from typing import Any


def render(result: dict[str, Any]) -> str:
    """Indented JSON with a final newline; no NaN or infinity ever (they are ``null``)."""
    return json.dumps(result, indent=2, allow_nan=False) + "\n"

"""Atomic file writes for the caches the assistant derives (model exports, tables, verdicts)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes | Path) -> None:
    """Write `data` (or copy the file it names) into a temp file beside `path`, fsync, then
    rename over `path`: a reader sees the old file or the new one, never half of one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if isinstance(data, Path):
                with data.open("rb") as src:
                    shutil.copyfileobj(src, f, 1 << 20)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; derived caches are not secret
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

"""Check Chroma's on-disk HNSW segments before Chroma opens them.

Chroma's HNSW loader (hnswlib, in native code) trusts its files: a truncated `data_level0.bin`
or a link pointing past the end is read into uninitialised memory and the process dies with a
segmentation fault instead of raising. So the local store is checked here first, in Python,
and damage becomes a clear message ("rebuild the index") rather than a crash.

The layout follows Chroma's hnswlib fork (persistence version 1): `header.bin` holds the sizes,
`data_level0.bin` one fixed-size record per element (its level-0 links, vector, label),
`length.bin` one float per element, and `link_lists.bin` a length-prefixed block of upper-level
links per element.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

PERSISTENCE_VERSION = 1
# version, offsetLevel0, max_elements, cur_element_count, size_data_per_element, label_offset,
# offsetData, maxlevel, enterpoint_node, maxM, maxM0, M, mult, ef_construction
_HEADER = struct.Struct("<iQQQQQQiIQQQdQ")
_NO_ENTRY = 0xFFFFFFFF


def damaged_segments(chroma_dir: Path) -> list[str]:
    """One line per problem found in the HNSW segments under `chroma_dir` (empty: all sound)."""
    problems: list[str] = []
    if not chroma_dir.is_dir():
        return problems
    for segment in sorted(p for p in chroma_dir.iterdir() if p.is_dir()):
        if (segment / "header.bin").exists():
            problems.extend(f"{segment.name}: {p}" for p in _segment_problems(segment))
    return problems


def _segment_problems(segment: Path) -> list[str]:
    header = (segment / "header.bin").read_bytes()
    if len(header) != _HEADER.size:
        return [f"header.bin has {len(header)} bytes, expected {_HEADER.size}"]
    (version, offset0, capacity, count, record, label_at, data_at, max_level, entry, max_m,
     max_m0, _m, _mult, _ef) = _HEADER.unpack(header)  # fmt: skip
    if version != PERSISTENCE_VERSION:
        return [f"header.bin has persistence version {version}"]
    links_end = 4 * (max_m0 + 1)  # level-0 links come first in a record, then vector, label
    layout = offset0 == 0 and data_at == links_end < label_at <= record - 8
    if not (layout and count <= capacity and max_m > 0):
        return ["header.bin holds inconsistent sizes"]
    expected = {"data_level0.bin": count * record, "length.bin": count * 4}
    for name, size in expected.items():
        have = (segment / name).stat().st_size if (segment / name).exists() else -1
        if have < size:
            return [f"{name} is truncated ({max(have, 0)} of at least {size} bytes)"]
    if count == 0:
        return []
    if entry == _NO_ENTRY or entry >= count or max_level < 0:
        return ["header.bin has no valid entry point"]
    return _level0_problems(segment, count, record, max_m0) + _upper_link_problems(
        segment, count, max_m
    )


def _level0_problems(segment: Path, count: int, record: int, max_m0: int) -> list[str]:
    rows = np.memmap(segment / "data_level0.bin", dtype=np.uint8, mode="r", shape=(count, record))
    links = np.ascontiguousarray(rows[:, : 4 * (max_m0 + 1)]).view("<u4")
    sizes = links[:, 0] & 0xFFFF
    if (sizes > max_m0).any():
        return ["data_level0.bin has a link list longer than its maximum"]
    used = np.arange(max_m0) < sizes[:, None]
    if (links[:, 1:][used] >= count).any():
        return ["data_level0.bin links to an element that does not exist"]
    return []


def _upper_link_problems(segment: Path, count: int, max_m: int) -> list[str]:
    path = segment / "link_lists.bin"
    blob = path.read_bytes() if path.exists() else b""
    block = 4 * (max_m + 1)
    offset = 0
    for _ in range(count):
        if offset + 4 > len(blob):
            return ["link_lists.bin is truncated"]
        (size,) = struct.unpack_from("<I", blob, offset)
        offset += 4
        if size % block or offset + size > len(blob):
            return ["link_lists.bin is truncated or damaged"]
        if size:
            links = np.frombuffer(blob, dtype="<u4", count=size // 4, offset=offset)
            levels = links.reshape(-1, max_m + 1)
            used = np.arange(max_m) < (levels[:, 0] & 0xFFFF)[:, None]
            if ((levels[:, 0] & 0xFFFF) > max_m).any() or (levels[:, 1:][used] >= count).any():
                return ["link_lists.bin links to an element that does not exist"]
        offset += size
    return []

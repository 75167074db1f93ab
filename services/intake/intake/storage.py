"""Where uploaded photos live: a small storage interface and its local-disk implementation.

A deployment with object storage implements ``Storage`` (put/get by key) and sets it in
``main.build_app``; nothing else changes."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from intake.errors import InvalidInput, OneGridError


class PayloadTooLarge(OneGridError):
    status, code, title = 413, "payload-too-large", "The upload is too large"


class UnsupportedMediaType(OneGridError):
    status, code, title = 415, "unsupported-media-type", "This kind of file is not accepted"


# Photo types accepted, recognised by their first bytes (the declared Content-Type is not trusted).
_SIGNATURES: tuple[tuple[str, bytes, int], ...] = (
    ("image/jpeg", b"\xff\xd8\xff", 0),
    ("image/png", b"\x89PNG\r\n\x1a\n", 0),
    ("image/webp", b"WEBP", 8),
    ("image/gif", b"GIF8", 0),
)
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}


def sniff_photo(data: bytes, *, allowed: tuple[str, ...]) -> str:
    """The photo's content type from its first bytes, or 415 naming what is accepted."""
    if not data:
        raise InvalidInput("the uploaded file is empty", field="file")
    for content_type, magic, offset in _SIGNATURES:
        matches = data[offset:offset + len(magic)] == magic and (offset == 0 or data[:4] == b"RIFF")
        if matches and content_type in allowed:
            return content_type
    raise UnsupportedMediaType(f"only photos are accepted ({', '.join(allowed)}); this file is not one of them",
                               accepted=list(allowed))


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes: ...


class LocalDiskStorage:
    """Files under one directory, named by their key; written atomically (temp file + rename)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if "/" in key or "\\" in key or key.startswith("."):
            raise ValueError(f"invalid storage key {key!r}")
        return self.root / key[:2] / key

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, key, data)

    def _put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            return  # content-addressed: the same bytes are already there
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)


def storage_key(data: bytes, content_type: str) -> tuple[str, str]:
    """Content-addressed key (sha256 + extension) and the digest."""
    digest = hashlib.sha256(data).hexdigest()
    return f"{digest}.{EXTENSIONS[content_type]}", digest

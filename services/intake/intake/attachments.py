"""Photos attached to reports: upload with type and size limits, stored behind the Storage interface."""

from __future__ import annotations

import uuid

from fastapi import UploadFile
from onegrid_runtime.auth import Principal
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.errors import NotFound
from intake.models import Attachment, AttachmentPublic
from intake.service import get_report
from intake.storage import PayloadTooLarge, Storage, sniff_photo, storage_key


async def store_upload(
    *, session: AsyncSession, upload: UploadFile, uploader: Principal, storage: Storage, max_bytes: int,
    allowed: tuple[str, ...], url: str,
) -> AttachmentPublic:
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"the photo is larger than {max_bytes // (1024 * 1024)} MiB ({max_bytes} bytes)",
                              limit_bytes=max_bytes)
    content_type = sniff_photo(data, allowed=allowed)
    key, digest = storage_key(data, content_type)
    await storage.put(key, data)  # content-addressed: a rolled-back row leaves at most an unreferenced file
    attachment = Attachment(jurisdiction=uploader.jurisdiction, kind="photo", storage_key=key, content_type=content_type,
                            size=len(data), sha256=digest, uploaded_by=uploader.subject)
    session.add(attachment)
    await session.flush()
    return AttachmentPublic(id=attachment.id, kind="photo", url=url.format(id=attachment.id), content_type=content_type,
                            size=len(data), sha256=digest)


async def read_attachment(
    *, session: AsyncSession, attachment_id: uuid.UUID, reader: Principal, storage: Storage
) -> tuple[bytes, str]:
    attachment = await session.get(Attachment, attachment_id)
    if attachment is None or attachment.jurisdiction != reader.jurisdiction or attachment.kind != "photo":
        raise NotFound(f"no attachment {attachment_id}")
    if attachment.case_id is None:
        if attachment.uploaded_by != reader.subject:
            raise NotFound(f"no attachment {attachment_id}")
    else:
        await get_report(session=session, case_id=attachment.case_id, reader=reader)  # the report's access rules
    return await storage.get(attachment.storage_key or ""), attachment.content_type or "application/octet-stream"

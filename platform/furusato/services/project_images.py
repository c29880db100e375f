"""A project's images: uploaded by its business while it is a draft, served by size.

The bytes are checked and resized by services/images.py before the project row is locked.
"""

from __future__ import annotations

from sqlalchemy import func, select

from furusato.models import ProjectImage, User
from furusato.services import images
from furusato.services.errors import N_, NotFound, ValidationFailed
from furusato.services.projects import can_view, for_edit, is_public
from furusato.services.uow import UnitOfWork


def add_image(actor: User, project_id: int, data: bytes, alt_text: str = "") -> int:
    processed = images.process(data)  # before the lock: decoding takes a moment
    with UnitOfWork() as uow:
        project = for_edit(uow.session, actor, project_id)
        count = uow.session.scalar(
            select(func.count())
            .select_from(ProjectImage)
            .where(ProjectImage.project_id == project.id)
        )
        if (count or 0) >= images.MAX_IMAGES_PER_PROJECT:
            message = N_("画像は%(n)s枚までです。", n=images.MAX_IMAGES_PER_PROJECT)
            raise ValidationFailed(message, code="too_many_images", fields={"image": message})
        image = ProjectImage(
            project_id=project.id,
            position=count or 0,
            content_type=processed.content_type,
            large=processed.large,
            thumbnail=processed.thumbnail,
            width=processed.width,
            height=processed.height,
            alt_text=(alt_text or "").strip()[:200],
        )
        uow.session.add(image)
        uow.commit()
        return image.id


def delete_image(actor: User, project_id: int, image_id: int) -> None:
    with UnitOfWork() as uow:
        project = for_edit(uow.session, actor, project_id)
        image = uow.session.get(ProjectImage, image_id)
        if image is None or image.project_id != project.id:
            raise NotFound("画像が見つかりません。")
        uow.session.delete(image)
        uow.commit()


def image_bytes(actor: User | None, image_id: int, size: str) -> tuple[bytes, str, bool]:
    """(bytes, content type, public?) of one rendition, if the actor may see the project."""
    with UnitOfWork() as uow:
        image = uow.session.get(ProjectImage, image_id)
        if image is None:
            raise NotFound("画像が見つかりません。")
        project = image.project
        if not can_view(actor, project):
            raise NotFound("画像が見つかりません。")
        data = image.large if size == "large" else image.thumbnail
        return data, image.content_type, is_public(project)

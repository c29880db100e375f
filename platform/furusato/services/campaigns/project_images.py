"""A project's images: uploaded by its business while it is a draft, served by size.

Who uploads is checked before anything of the upload is read: a business that does not own
the draft, or a draft with no room left, is refused without the image being looked at. The
bytes are then checked and resized by services/campaigns/images.py with no row locked, and the row is
written under the project's lock, checked again (it may have been submitted meanwhile).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from furusato.models import Project, ProjectImage, User
from furusato.services.campaigns import images
from furusato.services.campaigns.projects import can_view, for_edit, is_public
from furusato.services.errors import N_, NotFound, ValidationFailed, refuse_control_characters
from furusato.services.uow import UnitOfWork


def _room(session: Session, project: Project) -> int:
    """How many images the project has; refused when it may have no more."""
    count = (
        session.scalar(
            select(func.count())
            .select_from(ProjectImage)
            .where(ProjectImage.project_id == project.id)
        )
        or 0
    )
    if count >= images.MAX_IMAGES_PER_PROJECT:
        message = N_("画像は%(n)s枚までです。", n=images.MAX_IMAGES_PER_PROJECT)
        raise ValidationFailed(message, code="too_many_images", fields={"image": message})
    return count


def check_upload(actor: User, project_id: int) -> None:
    """Refuse an upload the actor may not make (not its draft, no room), before it is read."""
    with UnitOfWork() as uow:
        _room(uow.session, for_edit(uow.session, actor, project_id))


def add_image(actor: User, project_id: int, data: bytes, alt_text: str = "") -> int:
    check_upload(actor, project_id)
    refuse_control_characters({"alt_text": alt_text})
    processed = images.process(data)  # with no lock held: decoding takes a moment
    with UnitOfWork() as uow:
        project = for_edit(uow.session, actor, project_id)
        count = _room(uow.session, project)
        image = ProjectImage(
            project_id=project.id,
            position=count,
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

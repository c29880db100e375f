"""The demo's life after the pledge, made through the services: the towel campaign's business
posts an update (mailed to its donors), donors' messages approved and one answered. The
settled campaign is left without its final report, so the staff dashboard lists it."""

from __future__ import annotations

from sqlalchemy import select

from furusato.domain.cheer import CheerChoice
from furusato.models import CheerMessage, User
from furusato.services.campaigns import cheers, update_mail, updates
from furusato.services.uow import UnitOfWork

MESSAGES = (
    CheerChoice("泉州タオルの厚手、ずっと待っていました。応援しています！", "タオル好き", False),
    CheerChoice("地元の織物がまた元気になりますように。", "", True),
    CheerChoice("実家が泉佐野です。完成を楽しみにしています。", "大阪の娘", False),
)

UPDATE_TITLE = "後晒しの試作が上がりました"
UPDATE_BODY = """## 試作一号ができました

ご寄附ありがとうございます。新しく入れた晒しの工程で、最初の試作が上がりました。

- 乾いた手触りのまま、厚みは従来の1.3倍
- 洗うたびにふっくらするよう、糸の撚りを甘くしています

来月は染めの試作に入ります。次の報告でお見せします。
"""


def cheer_for(n: int) -> CheerChoice | None:
    """Every third demo donation leaves a message."""
    return MESSAGES[(n // 3) % len(MESSAGES)] if n % 3 == 0 else None


def seed(business: User, project_id: int) -> None:
    update_id = updates.post(business, project_id, title=UPDATE_TITLE, body=UPDATE_BODY)
    update_mail.fan_out(update_id)
    with UnitOfWork() as uow:
        ids = list(
            uow.session.scalars(
                select(CheerMessage.id)
                .where(CheerMessage.project_id == project_id)
                .order_by(CheerMessage.id)
            )
        )
    for message_id in ids[:-1]:  # the last one waits for the business's approval
        cheers.approve(business, message_id)
    if ids[:-1]:
        cheers.reply(business, ids[0], "ありがとうございます。冬までにお届けできるよう織り続けます。")

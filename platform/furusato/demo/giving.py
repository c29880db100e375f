"""The demo's donations: pledged and paid through the giving services and the payment gateway.

Each donor pledges as an API client that brought its card would (`card_setup=False`) and pays
with the gateway's test card `pm_card_visa` (a PaymentMethod both Stripe's test mode and
localstripe know), so each paid donation has its PaymentIntent at the gateway and reconciles.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from furusato.config import get_settings
from furusato.demo import engagement
from furusato.demo.content import (
    DEMO_DONOR,
    DEMO_DONOR_GIFTS,
    DONORS,
    OSAKA_DONOR,
    PRESENT,
    PRESENT_TIER,
    DemoCampaign,
    DemoTier,
)
from furusato.domain import deliveries
from furusato.domain.cheer import NO_MESSAGE
from furusato.domain.deliveries import GiftChoice, Recipient
from furusato.domain.money import MIN_DONATION_YEN
from furusato.domain.mynumber import check_digit
from furusato.domain.pledge import DonorDetails, lives_in_city
from furusato.services.giving import charges, donations

__all__ = ["DEMO_DONOR", "PAID_STAGES", "Donors", "Made", "demo_my_number"]

PAID_STAGES = ("settled", "live", "funded", "ending")
TEST_CARD = "pm_card_visa"
RESIDENT_AMOUNTS = (5_000, 10_000, 30_000)
ONESTOP_EVERY = 4  # about one donor in four asks for the one-stop form


@dataclass(frozen=True)
class Made:
    """A demo campaign as made through the services: its id and its tiers' ids."""

    id: int
    tiers: tuple[tuple[int, DemoTier], ...]


def demo_my_number(n: int) -> str:
    """A made-up My Number with a valid check digit (the demo's forms need one to record)."""
    first = f"{900_000_000_01 + n * 7_919:011d}"
    return f"{first}{check_digit(first)}"


class Donors:
    """The demo's donors, giving to one campaign after another (the same choices every run)."""

    def __init__(self, demo_user_id: int, seed: int) -> None:
        self.demo_user_id = demo_user_id
        self.rng = random.Random(seed)
        self.paid = 0

    def give(self, spec: DemoCampaign, made: Made) -> None:
        """Donations until the campaign's stage is reached: a share of its target, or (settled)
        its cap exactly, which closes it. The demo donor's own donation comes early."""
        rate = get_settings().city.default_subsidy_rate_percent
        cap = -(-spec.eligible_cost_yen * 100 // rate)
        target = -(-spec.eligible_cost_yen * 50 // rate)
        goal = cap if spec.stage == "settled" else target * spec.paid_share_percent // 100
        exact = spec.stage == "settled"
        taken: dict[int, int] = {}
        total, n = 0, 0
        mine = [
            (position, onestop) for key, position, onestop in DEMO_DONOR_GIFTS if key == spec.key
        ]
        while total < goal:
            tier_id: int | None
            if n == 3 and mine:
                tier_id, tier = made.tiers[mine[0][0]]
                amount = tier.amount_yen
                self._pay(made.id, spec.key, n, tier_id, amount, self._demo_donor(mine[0][1]))
            else:
                tier_id, amount, details = self._choice(made, goal - total, exact, taken, n)
                self._pay(made.id, spec.key, n, tier_id, amount, details)
            if tier_id is not None:
                taken[tier_id] = taken.get(tier_id, 0) + 1
            total += amount
            n += 1

    def from_osaka(self, spec: DemoCampaign, made: Made) -> None:
        """A donor living in a ward of Osaka asks for the one-stop form (its notice goes to
        大阪市)."""
        family, given, kana, postal_code, address, _ = OSAKA_DONOR
        details = DonorDetails(
            name=f"{family} {given}",
            name_kana=kana,
            email=f"donor{made.id}-osaka@example.jp",
            phone=f"090-{2000 + made.id:04d}-9999",
            postal_code=postal_code,
            address=address,
            birth_date=date(1979, 3, 14),
            gender="female",
        )
        tier_id, tier = made.tiers[0]
        self._pay(made.id, spec.key, 900, tier_id, tier.amount_yen, (details, True))

    def present(self, spec: DemoCampaign, made: Made) -> None:
        """The demo donor sends a gift to someone else, with のし (the receipt stays theirs)."""
        tier_id, tier = made.tiers[PRESENT_TIER[1]]
        gift = GiftChoice(
            recipient=Recipient(
                name=PRESENT["name"],
                postal_code=PRESENT["postal_code"],
                address=PRESENT["address"],
                phone=PRESENT["phone"],
            ),
            wrapping=True,
            noshi=PRESENT["noshi"],
            noshi_name=DEMO_DONOR.name,
        )
        who = self._demo_donor(False)
        self._pay(made.id, spec.key, 901, tier_id, tier.amount_yen, who, gift)

    def _choice(
        self, made: Made, left: int, exact: bool, taken: dict[int, int], n: int
    ) -> tuple[int | None, int, tuple[DonorDetails, bool]]:
        """Someone from the donor list: a resident gives without a gift; anyone else picks a
        tier with a gift (still in stock); filling a cap, the last gives exactly what is left."""
        person = self.rng.choice(DONORS)
        family, given, kana, postal_code, address, municipality = person
        onestop = n % ONESTOP_EVERY == 1
        details = DonorDetails(
            name=f"{family} {given}",
            name_kana=kana,
            email=f"donor{made.id}-{n}@example.jp",
            phone=f"090-{2000 + made.id:04d}-{n:04d}",
            postal_code=postal_code,
            address=address,
            birth_date=date(1960 + n % 40, 1 + n % 12, 1 + n % 28) if onestop else None,
            gender=("male", "female")[n % 2] if onestop else None,
        )
        city = get_settings().city.municipality_code
        if lives_in_city(municipality, city):
            amount = self.rng.choice(RESIDENT_AMOUNTS)
            tier_id = None
        else:
            gifts = [
                (tier_id, tier)
                for tier_id, tier in made.tiers
                if tier.gift_name
                and (tier.quantity_limit is None or taken.get(tier_id, 0) < tier.quantity_limit)
            ]
            tier_id, tier = self.rng.choice(gifts)
            amount = tier.amount_yen
        if exact and left - amount < MIN_DONATION_YEN and left != amount:
            tier_id, amount = None, left  # the last one fills the cap exactly: no gift
        return tier_id, amount, (details, onestop)

    def _demo_donor(self, onestop: bool) -> tuple[DonorDetails, bool]:
        d = DEMO_DONOR
        details = DonorDetails(
            name=d.name,
            name_kana=d.name_kana,
            email="donor@example.jp",
            phone=d.phone,
            postal_code=d.postal_code,
            address=d.address,
            birth_date=d.birth_date,
            gender=d.gender,
        )
        return details, onestop

    def _pay(
        self,
        project_id: int,
        key: str,
        n: int,
        tier_id: int | None,
        amount: int,
        who: tuple[DonorDetails, bool],
        gift: GiftChoice = deliveries.NONE,
    ) -> None:
        details, onestop = who
        mine = details.email == "donor@example.jp"
        pledge = donations.create(
            project_id=project_id,
            tier_id=tier_id,
            amount_yen=amount,
            donor=details,
            onestop=onestop,
            creation_key=f"demo:{key}:{n}",
            user_id=self.demo_user_id if mine else None,
            card_setup=False,
            cheer=engagement.cheer_for(n) or NO_MESSAGE,
            gift=gift,
        )
        outcome = charges.pay(pledge.id, TEST_CARD)
        if outcome.status != "paid":
            raise RuntimeError(f"demo donation {pledge.id} was not paid: {outcome.status}")
        self.paid += 1

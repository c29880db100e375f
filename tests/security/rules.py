"""The authorisation rule of every route: who may call it, whose object its path names, and what
an allowed caller gets for an empty request. test_authorization_matrix.py checks every route of
the app against this table and fails for a route that is missing here.

Role refusals come from the view's `access_roles` (web/guards.py, api/core.py), not from here:
pages send anonymous visitors to /login (302) and answer 403 to other roles; the API answers 401
and 403. This table adds, per route:

  ok          what an allowed actor gets when it sends an empty form / `{}` (or `form=`/`json=`)
  owner       the actor whose object the path names (world.py); every other actor whose role is
              allowed must get 403 or 404 — staff too unless `staff_sees`
  open_because  why a path that names an object is open to every allowed role
  ok_for      an actor's outcome where it differs from the rules above, with the reason in a comment
  capability  the path holds a secret (the donation's access token): whoever has it may see the
              owner's details, so the "no one else sees donor A's name" check does not apply
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ANON, DONOR_A, DONOR_B = "anonymous", "donor_a", "donor_b"
BUSINESS_A, BUSINESS_B, STAFF = "business_a", "business_b", "staff"
# A staff member who is also 個人番号事務取扱担当者: the only one who may reveal or export
# My Numbers (STAFF gets 403 there: `ok_for={STAFF: MYNUMBER_REFUSED}`).
OFFICER = "mynumber_officer"
ACTORS = (ANON, DONOR_A, DONOR_B, BUSINESS_A, BUSINESS_B, STAFF, OFFICER)
ROLE_OF = {
    ANON: "anonymous",
    DONOR_A: "donor",
    DONOR_B: "donor",
    BUSINESS_A: "business",
    BUSINESS_B: "business",
    STAFF: "staff",
    OFFICER: "staff",
}
MYNUMBER_REFUSED = (403,)  # staff who are not 個人番号事務取扱担当者
DENIED_OBJECT = (403, 404)


@dataclass(frozen=True)
class Param:
    key: str  # a key of World.ids
    owned: bool  # the value is someone's object (the rule must then say whose)


# Path parameter -> the world's value. Owned values belong to donor A or business A.
PARAMS: dict[str, Param] = {
    "project_id": Param("project_a", owned=True),
    "donation_id": Param("donation_a", owned=True),
    "token": Param("token_a", owned=True),
    "tier_id": Param("draft_tier", owned=True),
    "image_id": Param("draft_image", owned=True),
    "shipment_id": Param("shipment_a", owned=True),
    "application_id": Param("application_a", owned=True),
    "receipt_id": Param("receipt_a", owned=True),
    "payout_id": Param("payout_a", owned=True),
    "batch_id": Param("batch_a", owned=True),
    "email_id": Param("failed_mail", owned=True),  # a mail to donor A that could not be sent
    "goal_id": Param("next_goal_a", owned=True),  # business A's proposal for project A
    "update_id": Param("update_a", owned=True),  # business A's update of project A
    "message_id": Param("message_a", owned=True),  # donor A's message on project A
    "year": Param("year_a", owned=False),
    "code": Param("postal_code", owned=False),
    "size": Param("size", owned=False),
}


@dataclass(frozen=True)
class Rule:
    ok: tuple[int, ...]
    owner: str | None = None
    open_because: str = ""
    staff_sees: bool = True
    params: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, Any] | None = None
    json: Mapping[str, Any] | None = None
    query: str = ""
    ok_for: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    capability: bool = False


STAFF_ONLY = "a staff-only page: staff may see every object"
DRAFT = {"project_id": "draft_a"}
SENT = {"carrier": "ヤマト運輸", "tracking_number": "123456789012"}

LIVE = "a live project's public page or action: anyone may use it"
FOLLOW = "a public campaign: any donor may follow it, and the follow is the donor's own"
TOKEN = "the access token in the path is the guest's key (a 32-character secret from their mail)"
UNSUBSCRIBE = "the signed link of an update mail: it names one address and one campaign"
R = Rule
UPDATE_IMAGE = {"image_id": "update_image_a"}
UNSUBSCRIBE_TOKEN = {"token": "unsubscribe_a"}

RULES: dict[str, Rule] = {
    # --- public pages ---------------------------------------------------------------------
    "GET /": R(ok=(200,)),
    "GET /healthz": R(ok=(200,)),
    "GET /favicon.ico": R(ok=(200,)),
    "GET /projects": R(ok=(200,)),
    "GET /projects/<int:project_id>": R(ok=(200,), open_because=LIVE),
    "GET /projects/<int:project_id>/give": R(ok=(200,), open_because=LIVE),
    "POST /projects/<int:project_id>/give": R(ok=(422,), open_because=LIVE),
    "GET /deduction-estimate": R(ok=(200,)),
    "GET /updates/images/<int:image_id>/<size>": R(
        ok=(200,), open_because=LIVE, params=UPDATE_IMAGE
    ),
    "GET /updates/unsubscribe/<token>": R(
        ok=(200,), open_because=UNSUBSCRIBE, capability=True, params=UNSUBSCRIBE_TOKEN
    ),
    "POST /updates/unsubscribe/<token>": R(
        ok=(200,), open_because=UNSUBSCRIBE, capability=True, params=UNSUBSCRIBE_TOKEN
    ),
    "GET /images/<int:image_id>/<size>": R(ok=(200,), owner=BUSINESS_A),  # a draft's image
    "GET /login": R(ok=(200,)),
    "POST /login": R(ok=(200,)),  # the form again, with its errors
    "GET /signup": R(ok=(200,)),
    "POST /signup": R(ok=(200,)),
    "POST /logout": R(ok=(302,)),
    "GET /lang/<code>": R(ok=(302,), params={"code": "locale"}, query="next=/projects"),
    "POST /webhooks/stripe": R(ok=(400,)),  # unsigned
    # --- giving and the donor's documents --------------------------------------------------
    "GET /donations/<token>": R(ok=(200,), open_because=TOKEN, capability=True),
    "POST /donations/<token>/pay": R(ok=(422,), open_because=TOKEN, capability=True),
    "GET /donations/<token>/status": R(ok=(200,), open_because=TOKEN, capability=True),
    "GET /donations/<int:donation_id>/receipt.pdf": R(ok=(200,), owner=DONOR_A),
    "GET /donations/<int:donation_id>/onestop-form.pdf": R(ok=(200,), owner=DONOR_A),
    "GET /me": R(ok=(200,)),
    "GET /me/onestop": R(ok=(200,)),
    "POST /me/onestop/reminders": R(ok=(302,)),
    "GET /me/receipts": R(ok=(200,)),
    # Donor B's donation has no receipt yet: nothing to summarise for that year.
    "GET /me/receipts/<int:year>.pdf": R(ok=(200,), ok_for={DONOR_B: (404,)}),
    # Following: a donor's own list and settings; any donor may follow any public campaign.
    "GET /me/reminders": R(ok=(200,)),
    "POST /me/reminders": R(ok=(302,)),  # an empty form: every reminder off, no estimate
    "POST /projects/<int:project_id>/follow": R(ok=(302,), open_because=FOLLOW),
    "POST /projects/<int:project_id>/unfollow": R(ok=(302,), open_because=FOLLOW),
    # --- the business's pages --------------------------------------------------------------
    "GET /business/": R(ok=(200,)),
    "GET /business/bank": R(ok=(200,)),
    "GET /business/payouts": R(ok=(200,)),
    "POST /business/bank": R(ok=(200,)),  # the form again, with its errors
    "GET /business/projects/new": R(ok=(200,)),
    "POST /business/projects/new": R(ok=(200,)),
    "GET /business/projects/<int:project_id>": R(ok=(200,), owner=BUSINESS_A),
    "GET /business/projects/<int:project_id>/edit": R(ok=(200,), owner=BUSINESS_A, params=DRAFT),
    "POST /business/projects/<int:project_id>/edit": R(ok=(200,), owner=BUSINESS_A, params=DRAFT),
    "GET /business/projects/<int:project_id>/tiers/new": R(
        ok=(200,), owner=BUSINESS_A, params=DRAFT
    ),
    "POST /business/projects/<int:project_id>/tiers/new": R(
        ok=(200,), owner=BUSINESS_A, params=DRAFT
    ),
    "GET /business/projects/<int:project_id>/tiers/<int:tier_id>/edit": R(
        ok=(200,), owner=BUSINESS_A, params=DRAFT
    ),
    "POST /business/projects/<int:project_id>/tiers/<int:tier_id>/edit": R(
        ok=(200,), owner=BUSINESS_A, params=DRAFT
    ),
    "POST /business/projects/<int:project_id>/tiers/<int:tier_id>/delete": R(
        ok=(302,), owner=BUSINESS_A, params=DRAFT
    ),
    "POST /business/projects/<int:project_id>/images": R(ok=(422,), owner=BUSINESS_A, params=DRAFT),
    "POST /business/projects/<int:project_id>/images/<int:image_id>/delete": R(
        ok=(302,), owner=BUSINESS_A, params=DRAFT
    ),
    "POST /business/projects/<int:project_id>/submit": R(ok=(302,), owner=BUSINESS_A, params=DRAFT),
    "GET /business/gift-options": R(ok=(200,)),
    "POST /business/gift-options": R(ok=(302,)),  # nothing offered: a valid choice, saved
    "GET /business/projects/<int:project_id>/next-goal": R(ok=(200,), owner=BUSINESS_A),
    "POST /business/projects/<int:project_id>/next-goal": R(ok=(422,), owner=BUSINESS_A),
    "GET /business/projects/<int:project_id>/shipments": R(ok=(200,), owner=BUSINESS_A),
    "GET /business/projects/<int:project_id>/updates": R(ok=(200,), owner=BUSINESS_A),
    "POST /business/projects/<int:project_id>/updates": R(ok=(422,), owner=BUSINESS_A),
    "POST /business/projects/<int:project_id>/messages/<int:message_id>/approve": R(
        ok=(303,), owner=BUSINESS_A
    ),
    "POST /business/projects/<int:project_id>/messages/<int:message_id>/decline": R(
        ok=(303,), owner=BUSINESS_A
    ),
    "POST /business/projects/<int:project_id>/messages/<int:message_id>/reply": R(
        ok=(303,), owner=BUSINESS_A, form={"reply": "ありがとうございます。"}
    ),
    "POST /business/projects/<int:project_id>/shipments/<int:shipment_id>/sent": R(
        ok=(302,), owner=BUSINESS_A, form=SENT
    ),
    "POST /business/projects/<int:project_id>/shipments/upload": R(ok=(422,), owner=BUSINESS_A),
    # --- staff pages -------------------------------------------------------------------------
    "GET /staff/": R(ok=(200,)),
    "GET /staff/audit": R(ok=(200,)),
    "GET /staff/review": R(ok=(200,)),
    "GET /staff/review/<int:project_id>": R(
        ok=(200,), open_because=STAFF_ONLY, params={"project_id": "submitted_a"}
    ),
    "POST /staff/review/<int:project_id>/approve": R(
        ok=(302,), open_because=STAFF_ONLY, params={"project_id": "submitted_a"}
    ),
    "POST /staff/review/<int:project_id>/reject": R(
        ok=(422,), open_because=STAFF_ONLY, params={"project_id": "submitted_a"}
    ),
    "POST /staff/review/<int:project_id>/rate": R(ok=(302,), open_because=STAFF_ONLY),
    "GET /staff/campaigns": R(ok=(200,)),
    "POST /staff/campaigns/<int:project_id>/pause": R(ok=(302,), open_because=STAFF_ONLY),
    "POST /staff/campaigns/<int:project_id>/resume": R(ok=(302,), open_because=STAFF_ONLY),
    "GET /staff/next-goals": R(ok=(200,)),
    "GET /staff/updates": R(ok=(200,)),
    "POST /staff/updates/<int:update_id>/hold": R(ok=(303,), open_because=STAFF_ONLY),
    "POST /staff/updates/<int:update_id>/release": R(ok=(303,), open_because=STAFF_ONLY),
    "GET /staff/messages": R(ok=(200,)),
    "GET /staff/local-products": R(ok=(200,)),
    "POST /staff/local-products/<int:tier_id>/confirm": R(ok=(303,), open_because=STAFF_ONLY),
    "POST /staff/messages/<int:message_id>/approve": R(ok=(303,), open_because=STAFF_ONLY),
    "POST /staff/messages/<int:message_id>/hide": R(ok=(303,), open_because=STAFF_ONLY),
    "GET /staff/next-goals/<int:goal_id>": R(ok=(200,), open_because=STAFF_ONLY),
    # Project A has not reached its target: approving is refused, as the page says.
    "POST /staff/next-goals/<int:goal_id>/approve": R(ok=(409,), open_because=STAFF_ONLY),
    "POST /staff/next-goals/<int:goal_id>/reject": R(ok=(422,), open_because=STAFF_ONLY),
    "GET /staff/onestop": R(ok=(200,)),
    "GET /staff/onestop/<int:application_id>": R(ok=(200,), open_because=STAFF_ONLY),
    "POST /staff/onestop/<int:application_id>/form": R(ok=(422,), open_because=STAFF_ONLY),
    "POST /staff/onestop/<int:application_id>/change": R(ok=(422,), open_because=STAFF_ONLY),
    "POST /staff/onestop/<int:application_id>/reveal": R(
        ok=(302,), open_because=STAFF_ONLY, ok_for={STAFF: MYNUMBER_REFUSED}
    ),
    "POST /staff/onestop/export": R(ok=(302,), ok_for={STAFF: MYNUMBER_REFUSED}),
    "POST /staff/onestop/notices/sent": R(ok=(302,)),
    "GET /staff/receipts/<int:receipt_id>": R(ok=(200,), open_because=STAFF_ONLY),
    "POST /staff/receipts/<int:receipt_id>/correct": R(ok=(422,), open_because=STAFF_ONLY),
    "GET /staff/shipments/late": R(ok=(200,)),
    "GET /staff/mail": R(ok=(200,)),
    "POST /staff/mail/<int:email_id>/retry": R(ok=(302,), open_because=STAFF_ONLY),
    "GET /staff/payouts": R(ok=(200,)),
    "GET /staff/payouts/<int:payout_id>": R(ok=(200,), open_because=STAFF_ONLY),
    "POST /staff/payouts/<int:payout_id>/prepare": R(ok=(422,), open_because=STAFF_ONLY),
    "POST /staff/payouts/<int:payout_id>/approve": R(ok=(409,), open_because=STAFF_ONLY),
    "POST /staff/payouts/export": R(ok=(302,)),
    "GET /staff/payouts/batches/<int:batch_id>/zengin": R(ok=(200,), open_because=STAFF_ONLY),
    "GET /staff/payouts/batches/<int:batch_id>/csv": R(ok=(200,), open_because=STAFF_ONLY),
    "POST /staff/payouts/batches/<int:batch_id>/paid": R(ok=(302,), open_because=STAFF_ONLY),
    "GET /staff/reports": R(ok=(200,)),
    "GET /staff/reports/<int:year>.csv": R(ok=(200,)),
    "GET /staff/reports/campaigns/<int:project_id>.csv": R(ok=(200,), open_because=STAFF_ONLY),
    "GET /staff/reports/<int:year>/costs": R(ok=(200,)),
    "POST /staff/reports/<int:year>/costs": R(
        ok=(302,), form={"amount_shipping": "1000"}
    ),
    "GET /staff/reports/<int:year>/costs.csv": R(ok=(200,)),
    "GET /staff/settlements": R(ok=(200,)),
    "POST /staff/settlements/<int:project_id>/reconcile": R(ok=(302,), open_because=STAFF_ONLY),
    "POST /staff/settlements/<int:project_id>/retry": R(ok=(302,), open_because=STAFF_ONLY),
    # --- the API -------------------------------------------------------------------------------
    "GET /api/v1/openapi.json": R(ok=(200,)),
    "POST /api/v1/tokens": R(ok=(422,)),
    "GET /api/v1/postal-codes/<code>": R(ok=(200,)),
    "GET /api/v1/deduction-estimate": R(ok=(200,), query="salary_yen=5000000"),
    "GET /api/v1/projects": R(ok=(200,)),
    "POST /api/v1/projects": R(ok=(201,), json={"title": "新しい特産品"}),
    "GET /api/v1/projects/<int:project_id>": R(ok=(200,), owner=BUSINESS_A, params=DRAFT),
    # Staff may change only the subsidy rate of someone's draft, not its text.
    "PATCH /api/v1/projects/<int:project_id>": R(
        ok=(200,), owner=BUSINESS_A, staff_sees=False, params=DRAFT, json={"summary": "改訂"}
    ),
    "POST /api/v1/projects/<int:project_id>/tiers": R(
        ok=(201,), owner=BUSINESS_A, params=DRAFT, json={"amount_yen": 10_000}
    ),
    "POST /api/v1/projects/<int:project_id>/submit": R(ok=(200,), owner=BUSINESS_A, params=DRAFT),
    "POST /api/v1/projects/<int:project_id>/approve": R(
        ok=(200,), open_because=STAFF_ONLY, params={"project_id": "submitted_a"}
    ),
    "POST /api/v1/projects/<int:project_id>/reject": R(
        ok=(200,),
        open_because=STAFF_ONLY,
        params={"project_id": "submitted_a"},
        json={"reason": "送料の根拠を添えてください。"},
    ),
    "POST /api/v1/projects/<int:project_id>/donations": R(ok=(422,), open_because=LIVE),
    "GET /api/v1/donations/<int:donation_id>": R(ok=(200,), owner=DONOR_A),
    "POST /api/v1/donations/<int:donation_id>/pay": R(
        ok=(200,), owner=DONOR_A, staff_sees=False, json={"payment_method": "pm_card_visa"}
    ),
    "GET /api/v1/donations/<int:donation_id>/receipt.pdf": R(ok=(200,), owner=DONOR_A),
    # Project A is live but has not reached its target: no next goal yet (409).
    "POST /api/v1/projects/<int:project_id>/next-goals": R(
        ok=(409,), owner=BUSINESS_A, json={"amount_yen": 2_000_000, "reason": "設備を増やします。"}
    ),
    "GET /api/v1/projects/<int:project_id>/next-goals": R(ok=(200,), owner=BUSINESS_A),
    "GET /api/v1/next-goals": R(ok=(200,)),
    "GET /api/v1/next-goals/<int:goal_id>": R(ok=(200,), owner=BUSINESS_A),
    "POST /api/v1/next-goals/<int:goal_id>/approve": R(ok=(409,), open_because=STAFF_ONLY),
    "POST /api/v1/next-goals/<int:goal_id>/reject": R(
        ok=(200,), open_because=STAFF_ONLY, json={"reason": "上限額の根拠を添えてください。"}
    ),
    "GET /api/v1/projects/<int:project_id>/updates": R(ok=(200,), open_because=LIVE),
    "POST /api/v1/projects/<int:project_id>/updates": R(
        ok=(201,), owner=BUSINESS_A, json={"title": "近況", "body": "試作を始めました。"}
    ),
    "POST /api/v1/updates/<int:update_id>/hold": R(ok=(422,), open_because=STAFF_ONLY),
    "POST /api/v1/updates/<int:update_id>/release": R(ok=(409,), open_because=STAFF_ONLY),
    "GET /api/v1/projects/<int:project_id>/messages": R(ok=(200,), open_because=LIVE),
    "POST /api/v1/messages/<int:message_id>/approve": R(ok=(200,), owner=BUSINESS_A),
    # Staff must say why they hide a message; its business may decline a waiting one as it is.
    "POST /api/v1/messages/<int:message_id>/hide": R(
        ok=(200,), owner=BUSINESS_A, ok_for={STAFF: (422,), OFFICER: (422,)}
    ),
    "POST /api/v1/messages/<int:message_id>/reply": R(
        ok=(200,), owner=BUSINESS_A, json={"reply": "ありがとうございます。"}
    ),
    "GET /api/v1/business/gift-options": R(ok=(200,)),
    "PUT /api/v1/business/gift-options": R(ok=(200,)),
    "GET /api/v1/projects/<int:project_id>/shipments": R(ok=(200,), owner=BUSINESS_A),
    "PATCH /api/v1/shipments/<int:shipment_id>": R(ok=(200,), owner=BUSINESS_A, json=SENT),
    "GET /api/v1/exports/onestop-notifications": R(ok=(200,), query="year=2026&format=json"),
    # No year, no password; refused before reading the body to staff without the permission.
    "POST /api/v1/exports/onestop-notifications": R(
        ok=(422,), ok_for={STAFF: MYNUMBER_REFUSED}
    ),
    "GET /api/v1/payouts": R(ok=(200,)),
    "POST /api/v1/payouts/<int:payout_id>/prepare": R(ok=(422,), open_because=STAFF_ONLY),
    "POST /api/v1/payouts/<int:payout_id>/approve": R(ok=(409,), open_because=STAFF_ONLY),
    "POST /api/v1/payouts/export": R(ok=(422,)),
    "GET /api/v1/me/follows": R(ok=(200,)),
    "PUT /api/v1/me/follows/<int:project_id>": R(ok=(200,), open_because=FOLLOW),
    "DELETE /api/v1/me/follows/<int:project_id>": R(ok=(200,), open_because=FOLLOW),
    "GET /api/v1/me/reminders": R(ok=(200,)),
    "PATCH /api/v1/me/reminders": R(ok=(200,)),
    "GET /api/v1/payout-batches/<int:batch_id>/file": R(ok=(200,), open_because=STAFF_ONLY),
}

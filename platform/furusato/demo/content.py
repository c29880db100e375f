"""What the demo shows: Izumisano-style businesses, campaigns and gift tiers (data only).

Every gift tier keeps the rules the platform enforces: procurement ≤ 30 % of the amount and
procurement + shipping + payment fee + administration ≤ 50 % (tests/integration/test_demo.py
checks both), a local-product category (1–9) with its evidence, and a delivery month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

DEMO_PASSWORD = "furusato-demo-2026"  # noqa: S105 - printed on the console: demo data only


@dataclass(frozen=True)
class DemoAccount:
    key: str
    role: str
    email: str
    display_name: str
    business: str | None = None  # key into BUSINESSES
    note: str = ""


@dataclass(frozen=True)
class DemoBusiness:
    key: str
    name: str
    bank_code: str
    bank_name_kana: str
    branch_code: str
    branch_name_kana: str
    account_number: str
    account_holder_kana: str  # half-width katakana, as the Zengin transfer file needs


@dataclass(frozen=True)
class DemoTier:
    amount_yen: int
    gift_name: str
    gift_description: str = ""
    procurement_cost_yen: int = 0
    shipping_cost_yen: int = 0
    quantity_limit: int | None = None
    delivery_month: date | None = None
    local_category: int | None = None
    local_evidence: str = ""
    # 一般販売価格 (≤ 30 % of the amount) and, for a 3号 gift, the value added in the area
    # (at least half of that price), as 告示第5条 asks from 2026-10.
    general_price_yen: int | None = None
    local_value_added_yen: int | None = None


@dataclass(frozen=True)
class DemoCampaign:
    key: str
    business: str
    title: str
    summary: str
    story_markdown: str
    category: str
    eligible_cost_yen: int
    # Where the campaign stands: "settled" (its cap was reached: closed, settled, paid out),
    # "live", "funded", "ending", "scheduled" or "review".
    stage: str
    start_offset_days: float  # relative to now
    deadline_offset_days: float
    # Share of the target the donations reach (live, funded, ending); a settled campaign's
    # donations fill its cap exactly, which closes it.
    paid_share_percent: int = 0
    miss_policy: str = "refund"
    fallback_purpose: str = ""
    fallback_gift_note: str = ""
    tiers: tuple[DemoTier, ...] = field(default_factory=tuple)
    # The deadline falls on this day of the coming February (JST) instead of the offset: the
    # campaign decides after the one-stop notices' January 31.
    february_deadline_day: int | None = None


ACCOUNTS = (
    DemoAccount("staff1", "staff", "staff1@izumisano.example.jp", "佐藤 恵（成長戦略室）",
                note="prepares payouts, reviews projects"),
    DemoAccount("staff2", "staff", "staff2@izumisano.example.jp", "田中 誠（会計課）",
                note="second approver of payouts"),
    DemoAccount("towel", "business", "towel@business.example.jp", "中井 浩二", business="towel",
                note="泉州タオルの事業者"),
    DemoAccount("food", "business", "food@business.example.jp", "岡田 由美", business="food",
                note="泉州の食品加工事業者"),
    DemoAccount("donor", "donor", "donor@example.jp", "山田 花子",
                note="has given to five campaigns (one gift a present), with receipts and one-stop"),
)  # fmt: skip

BUSINESSES = (
    DemoBusiness(
        key="towel",
        name="株式会社いずみさの織布",
        bank_code="0179",
        bank_name_kana="ｲｽﾞﾐｻﾉｼﾝｷﾝ",
        branch_code="012",
        branch_name_kana="ﾋﾈﾉ",
        account_number="0123456",
        account_holder_kana="ｶ)ｲｽﾞﾐｻﾉｼｮｸﾌ",
    ),
    DemoBusiness(
        key="food",
        name="泉州いずみ食品合同会社",
        bank_code="0159",
        bank_name_kana="ｲｹﾀﾞｾﾝｼｭｳ",
        branch_code="203",
        branch_name_kana="ｲｽﾞﾐｻﾉ",
        account_number="7654321",
        account_holder_kana="ﾄﾞ)ｾﾝｼｭｳｲｽﾞﾐｼｮｸﾋﾝ",
    ),
)

_TOWEL_EVIDENCE = (
    "泉佐野市上町の自社工場で、織布から後晒し・縫製・検品までの全工程を行う"
    "（工場の所在地と工程表を添付）。"
)
_MIZUNASU_EVIDENCE = (
    "原料の水なすは泉佐野市日根野の契約農家3軒で栽培し、市内の自社加工場で漬け込み・"
    "包装する（農家との契約書と加工場の営業許可証を添付）。"
)
_ONION_EVIDENCE = "泉佐野市内の自社圃場と契約農家で栽培・収穫した泉州玉ねぎ（圃場の所在地を添付）。"
_DRESSING_EVIDENCE = (
    "主原料の玉ねぎ（重量の6割）は市内産の泉州玉ねぎ。すりおろし・調合・瓶詰めを市内の"
    "自社加工場で行う（配合表と加工場の営業許可証を添付）。"
)
_BEER_EVIDENCE = (
    "仕込み水は市内の犬鳴山の湧き水。仕込み・発酵・瓶詰めを市内の自社醸造所で行う"
    "（醸造所の所在地と酒類製造免許を添付）。"
)

CAMPAIGNS = (
    DemoCampaign(
        key="sports",
        business="towel",
        title="泉州タオルで、部活の子どもたちにスポーツタオルを",
        summary="汗をよく吸う後晒しのスポーツタオルを新しくつくりました。上限額に達し、"
        "募集を終えました。返礼品のお届けを順に進めています。",
        story_markdown=(
            "## 上限額に達しました\n\n"
            "たくさんのご寄附をありがとうございました。上限額に達したため、募集を終えました。\n\n"
            "## このプロジェクトで\n\n"
            "- 細長いスポーツタオル用に、織機1台の幅を改修しました\n"
            "- 市内の中学校の部活動で使い心地を試していただきました\n"
        ),
        category="craft",
        eligible_cost_yen=200_000,
        stage="settled",
        start_offset_days=-24,
        deadline_offset_days=21,
        tiers=(
            DemoTier(3_000, "", "返礼品なしで応援します。"),
            DemoTier(
                amount_yen=6_000,
                gift_name="泉州タオル スポーツタオル1枚",
                gift_description="後晒しのスポーツタオル（20×110cm）",
                procurement_cost_yen=1_500,
                shipping_cost_yen=600,
                delivery_month=date(2027, 1, 1),
                local_category=3,
                local_evidence=_TOWEL_EVIDENCE,
                general_price_yen=1_800,
                local_value_added_yen=1_080,
            ),
            DemoTier(
                amount_yen=12_000,
                gift_name="泉州タオル スポーツタオル3枚",
                gift_description="3色のスポーツタオル（20×110cm）",
                procurement_cost_yen=3_500,
                shipping_cost_yen=700,
                quantity_limit=60,
                delivery_month=date(2027, 1, 1),
                local_category=3,
                local_evidence=_TOWEL_EVIDENCE,
                general_price_yen=3_600,
                local_value_added_yen=2_160,
            ),
        ),
    ),
    DemoCampaign(
        key="towel",
        business="towel",
        title="後晒しの泉州タオルを、ホテル仕様の厚手で",
        summary="織り上げてから晒す「後晒し」の泉州タオル。吸水性はそのままに、"
        "ホテルで使われる厚手のバスタオルを新しくつくります。",
        story_markdown=(
            "## 泉州タオルと後晒し\n\n"
            "泉佐野は120年以上つづく泉州タオルの産地です。織ったあとに糊や油を落とす"
            "**後晒し**で、最初から水をよく吸います。\n\n"
            "## このプロジェクトで\n\n"
            "- 厚手のパイルを織れるよう、織機2台を改修します\n"
            "- 新しいバスタオルの見本と写真で、市外の方に知っていただきます\n\n"
            "いただいたご寄附の40%が、市から事業者への補助金になります。"
        ),
        category="craft",
        eligible_cost_yen=1_200_000,
        stage="live",
        start_offset_days=-10,
        deadline_offset_days=25,
        paid_share_percent=35,
        tiers=(
            DemoTier(3_000, "", "返礼品なしで応援します。"),
            DemoTier(
                amount_yen=5_000,
                gift_name="泉州タオル フェイスタオル2枚",
                gift_description="後晒しのフェイスタオル（34×85cm）",
                procurement_cost_yen=1_200,
                shipping_cost_yen=700,
                delivery_month=date(2027, 3, 1),
                local_category=3,
                local_evidence=_TOWEL_EVIDENCE,
                general_price_yen=1_500,
                local_value_added_yen=900,
            ),
            DemoTier(
                amount_yen=10_000,
                gift_name="泉州タオル バスタオルとフェイスタオル",
                gift_description="ホテル仕様の厚手バスタオル1枚とフェイスタオル1枚",
                procurement_cost_yen=3_000,
                shipping_cost_yen=800,
                delivery_month=date(2027, 3, 1),
                local_category=3,
                local_evidence=_TOWEL_EVIDENCE,
                general_price_yen=3_000,
                local_value_added_yen=1_800,
            ),
            DemoTier(
                amount_yen=30_000,
                gift_name="泉州タオル バスタオル3枚セット",
                gift_description="厚手バスタオル3色のセット",
                procurement_cost_yen=9_000,
                shipping_cost_yen=1_000,
                quantity_limit=50,
                delivery_month=date(2027, 4, 1),
                local_category=3,
                local_evidence=_TOWEL_EVIDENCE,
                general_price_yen=9_000,
                local_value_added_yen=5_400,
            ),
        ),
    ),
    DemoCampaign(
        key="mizunasu",
        business="food",
        title="泉州水なすの浅漬けを、冬にも届けたい",
        summary="夏だけの味だった泉州水なすの浅漬けを、急速冷凍で一年中お届けできるように"
        "します。目標を達成しました。上限まで引き続き受け付けています。",
        story_markdown=(
            "## 夏だけの味を一年中\n\n"
            "泉州水なすは皮が薄く、みずみずしいのが特長です。そのぶん日持ちせず、"
            "浅漬けは夏の短い時期しかお届けできませんでした。\n\n"
            "急速冷凍機を導入し、漬けたての味のまま冬にもお届けします。"
        ),
        category="food",
        eligible_cost_yen=600_000,
        stage="funded",
        start_offset_days=-20,
        deadline_offset_days=10,
        paid_share_percent=115,
        tiers=(
            DemoTier(
                amount_yen=6_000,
                gift_name="泉州水なす漬け 6個",
                gift_description="浅漬け6個（冷凍便）",
                procurement_cost_yen=1_500,
                shipping_cost_yen=900,
                delivery_month=date(2027, 2, 1),
                local_category=2,
                local_evidence=_MIZUNASU_EVIDENCE,
                general_price_yen=1_800,
            ),
            DemoTier(
                amount_yen=10_000,
                gift_name="泉州水なす漬け 10個",
                gift_description="浅漬け10個（冷凍便）",
                procurement_cost_yen=2_800,
                shipping_cost_yen=1_100,
                delivery_month=date(2027, 2, 1),
                local_category=2,
                local_evidence=_MIZUNASU_EVIDENCE,
                general_price_yen=3_000,
            ),
            DemoTier(
                amount_yen=20_000,
                gift_name="泉州水なす漬け 定期便3回",
                gift_description="5個ずつ、2月・5月・8月の3回",
                procurement_cost_yen=6_000,
                shipping_cost_yen=2_100,
                quantity_limit=100,
                delivery_month=date(2027, 2, 1),
                local_category=2,
                local_evidence=_MIZUNASU_EVIDENCE,
                general_price_yen=6_000,
            ),
        ),
    ),
    DemoCampaign(
        key="onion",
        business="food",
        title="泉州玉ねぎを丸ごと使ったドレッシング",
        summary="甘みの強い泉州玉ねぎをすりおろして、保存料を使わないドレッシングをつくります。"
        "まもなく終了します。",
        story_markdown=(
            "## 泉州玉ねぎ\n\n"
            "泉州は日本の玉ねぎ栽培の始まりの地のひとつです。\n\n"
            "規格外で出荷できない玉ねぎも丸ごと使い、ドレッシングに仕上げます。"
        ),
        category="food",
        eligible_cost_yen=400_000,
        stage="ending",
        start_offset_days=-28,
        deadline_offset_days=2 / 24,
        paid_share_percent=86,
        miss_policy="keep",
        fallback_purpose="泉佐野市の農業振興（新規就農者の支援）",
        fallback_gift_note="返礼品はお届けします。ドレッシングの代わりに"
        "泉州玉ねぎ（5kgのコースは5kg、10,000円のコースは10kg）をお送りします。",
        tiers=(
            DemoTier(
                amount_yen=5_000,
                gift_name="泉州玉ねぎ 5kg",
                gift_description="収穫したての泉州玉ねぎ",
                procurement_cost_yen=1_200,
                shipping_cost_yen=800,
                delivery_month=date(2027, 6, 1),
                local_category=1,
                local_evidence=_ONION_EVIDENCE,
                general_price_yen=1_500,
            ),
            DemoTier(
                amount_yen=10_000,
                gift_name="玉ねぎドレッシング3本と泉州玉ねぎ5kg",
                gift_description="ドレッシング（280ml）3本",
                procurement_cost_yen=3_000,
                shipping_cost_yen=900,
                quantity_limit=200,
                delivery_month=date(2027, 6, 1),
                local_category=2,
                local_evidence=_DRESSING_EVIDENCE,
                general_price_yen=3_000,
            ),
        ),
    ),
    DemoCampaign(
        key="gauze",
        business="towel",
        title="泉州タオルの技術で、赤ちゃんのガーゼケット",
        summary="やわらかな6重ガーゼのケットを、タオルの織機でつくります。来週から受付を始めます。",
        story_markdown=(
            "## 6重ガーゼ\n\n"
            "タオルの後晒しの技術で、赤ちゃんの肌にやさしいガーゼケットをつくります。"
        ),
        category="craft",
        eligible_cost_yen=800_000,
        stage="scheduled",
        start_offset_days=5,
        deadline_offset_days=50,
        tiers=(
            DemoTier(
                amount_yen=12_000,
                gift_name="6重ガーゼケット",
                gift_description="約85×115cm、生成り",
                procurement_cost_yen=3_600,
                shipping_cost_yen=900,
                quantity_limit=80,
                delivery_month=date(2027, 5, 1),
                local_category=3,
                local_evidence=_TOWEL_EVIDENCE,
                general_price_yen=3_600,
                local_value_added_yen=2_160,
            ),
        ),
    ),
    DemoCampaign(
        key="crab",
        business="food",
        title="泉佐野漁港の渡りガニを、急速冷凍で全国へ",
        summary="泉佐野漁港に揚がる渡りガニ（ガザミ）を、とれたての状態で冷凍してお届けします。",
        story_markdown=(
            "## 渡りガニ\n\n"
            "泉佐野漁港は渡りガニの水揚げで知られています。鮮度が落ちやすく、"
            "これまで市外にはほとんど出回りませんでした。"
        ),
        category="food",
        eligible_cost_yen=1_500_000,
        stage="review",
        start_offset_days=14,
        deadline_offset_days=74,
        tiers=(
            DemoTier(
                amount_yen=15_000,
                gift_name="泉佐野の渡りガニ 1kg",
                gift_description="ボイル後に急速冷凍（4〜5杯）",
                procurement_cost_yen=4_500,
                shipping_cost_yen=1_200,
                quantity_limit=150,
                delivery_month=date(2027, 10, 1),
                local_category=1,
                local_evidence="泉佐野漁港に水揚げされたものを、漁協の市場で買い付ける（水揚げ証明を添付）。",
                general_price_yen=4_500,
            ),
        ),
    ),
    DemoCampaign(
        key="beer",
        business="food",
        title="犬鳴山の湧き水で、泉佐野のクラフトビールを",
        summary="犬鳴山の湧き水と泉州の麦で、市内の小さな醸造所がクラフトビールを仕込みます。"
        "2月に締め切り、目標に届かなければ全額を返金します。",
        story_markdown=(
            "## 犬鳴山の水で\n\n"
            "修験道の山として知られる犬鳴山には、やわらかな湧き水があります。"
            "この水で、市内の醸造所が季節ごとのビールを仕込みます。\n\n"
            "## 目標に届かなかったら\n\n"
            "2月の締切までに目標額に届かなければ、いただいたご寄附は全額お返しします。"
        ),
        category="food",
        eligible_cost_yen=1_000_000,
        stage="live",
        start_offset_days=-6,
        deadline_offset_days=60,  # replaced by the February day below
        february_deadline_day=10,
        paid_share_percent=40,
        miss_policy="refund",
        tiers=(
            DemoTier(
                amount_yen=8_000,
                gift_name="犬鳴山クラフトビール 6本",
                gift_description="330ml瓶 6本（季節の3種×2本）",
                procurement_cost_yen=2_300,
                shipping_cost_yen=1_000,
                delivery_month=date(2027, 4, 1),
                local_category=2,
                general_price_yen=2_400,
                local_evidence=_BEER_EVIDENCE,
            ),
            DemoTier(
                amount_yen=24_000,
                gift_name="犬鳴山クラフトビール 定期便3回",
                gift_description="季節のビール6本を、4月・7月・10月の3回",
                procurement_cost_yen=2_200,  # each delivery (×3)
                shipping_cost_yen=1_000,
                quantity_limit=80,
                delivery_month=date(2027, 4, 1),
                local_category=2,
                general_price_yen=2_400,  # one delivery's 一般販売価格
                local_evidence=_BEER_EVIDENCE,
            ),
        ),
    ),
)

# Donors who appear in the demo campaigns (family name, given name, kana, postal code,
# address, municipality code). The Izumisano ones are residents: they may donate, but get no gift.
DONORS = (
    ("鈴木", "一郎", "スズキ イチロウ", "1000001", "東京都千代田区千代田1-1", "13101"),
    ("高橋", "美咲", "タカハシ ミサキ", "1500002", "東京都渋谷区渋谷2-3-4", "13113"),
    ("伊藤", "健", "イトウ ケン", "2200012", "神奈川県横浜市西区みなとみらい3-1", "14103"),
    ("渡辺", "陽子", "ワタナベ ヨウコ", "4600008", "愛知県名古屋市中区栄3-5-1", "23106"),
    ("小林", "大輔", "コバヤシ ダイスケ", "5300001", "大阪府大阪市北区梅田1-2-3", "27127"),
    ("加藤", "さくら", "カトウ サクラ", "6008216", "京都府京都市下京区東塩小路町1", "26106"),
    ("吉田", "翔", "ヨシダ ショウ", "8100001", "福岡県福岡市中央区天神1-1-1", "40133"),
    ("山本", "真理", "ヤマモト マリ", "0600001", "北海道札幌市中央区北一条西2", "01101"),
    ("松本", "亮", "マツモト リョウ", "9800811", "宮城県仙台市青葉区一番町4-1", "04101"),
    ("井上", "彩", "イノウエ アヤ", "7300011", "広島県広島市中区基町6-78", "34101"),
    ("木村", "拓海", "キムラ タクミ", "5980005", "大阪府泉佐野市市場東1-2-3", "27213"),
    ("林", "結衣", "ハヤシ ユイ", "5980062", "大阪府泉佐野市下瓦屋2-1-5", "27213"),
)


@dataclass(frozen=True)
class DemoDonor:
    """The demo donor's own details (the account `donor`), as each of their pledges gives them."""

    name: str
    name_kana: str
    phone: str
    postal_code: str
    address: str
    birth_date: date
    gender: str


DEMO_DONOR = DemoDonor(
    name="山田 花子",
    name_kana="ヤマダ ハナコ",
    phone="090-1234-5678",
    postal_code="1500002",
    address="東京都渋谷区渋谷2-24-12",
    birth_date=date(1986, 6, 15),
    gender="female",
)

# The demo donor's own donations: (campaign key, tier position, one-stop application asked).
DEMO_DONOR_GIFTS = (
    ("sports", 2, True),
    ("mizunasu", 1, True),
    ("onion", 0, False),
    ("towel", 2, False),
    ("beer", 0, True),  # paid in December; its campaign decides in February
)

# A 定期便: (campaign key, tier position) → its delivery months (first days).
SCHEDULES = {
    ("beer", 1): (date(2027, 4, 1), date(2027, 7, 1), date(2027, 10, 1)),
}

# Another donor of the February campaign, living in a ward of a designated city: the one-stop
# notice is addressed to 大阪市, not to 北区.
OSAKA_DONOR = ("中村", "直子", "ナカムラ ナオコ", "5300001", "大阪府大阪市北区梅田1-1-1", "27127")

# The demo donor's present: their gift from one campaign sent to someone else, with のし.
PRESENT_TIER = ("mizunasu", 0)
PRESENT = {
    "name": "山田 一郎",
    "postal_code": "6008216",
    "address": "京都府京都市下京区東塩小路町1-2",
    "phone": "075-123-4567",
    "noshi": "oseibo",
}

# The business offers wrapping and のし for gifts (its carrier and delivery windows).
GIFT_OFFERS = {"food": ("yamato", ("am", "14-16", "18-20"))}

# The funded campaign's next goal (proposed by its business, approved by staff).
NEXT_GOAL = (
    "mizunasu",
    1_400_000,
    "目標を達成しました。次は冷凍庫をもう1台入れて、夏に漬けた分を春まで保管できるようにします。",
)

# This fiscal year's actual costs staff have added up (総務省の現況調査の区分), in yen.
YEAR_COSTS = {
    "gift_procurement": 105_000,
    "shipping": 38_000,
    "advertising": 20_000,
    "payment": 18_000,
    "administration": 25_000,
}

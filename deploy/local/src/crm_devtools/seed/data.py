# ruff: noqa: RUF001 - Chinese text uses full-width punctuation
"""Word lists the plan draws from: names (English and Chinese with pinyin), places,
industries and ticket texts. Static, so the plan depends on nothing but its seed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    local_name: str
    """The name as a Chinese-speaking customer writes it (same as ``name`` elsewhere)."""
    country: str
    region: str
    phone_prefix: str
    phone_digits: int
    """Random digits after the prefix (the prefixes give numbers ``phonenumbers`` accepts)."""
    postal_code: str


CITIES: tuple[City, ...] = (
    City("Shanghai", "上海", "CN", "greater-china", "+86138", 8, "200000"),
    City("Beijing", "北京", "CN", "greater-china", "+86139", 8, "100000"),
    City("Shenzhen", "深圳", "CN", "greater-china", "+86136", 8, "518000"),
    City("Hangzhou", "杭州", "CN", "greater-china", "+86137", 8, "310000"),
    City("Guangzhou", "广州", "CN", "greater-china", "+86135", 8, "510000"),
    City("Chengdu", "成都", "CN", "greater-china", "+86158", 8, "610000"),
    City("Hong Kong", "香港", "HK", "greater-china", "+85294", 6, "999077"),
    City("Singapore", "新加坡", "SG", "apac", "+6591", 6, "018956"),
    City("Sydney", "悉尼", "AU", "apac", "+6129", 7, "2000"),
    City("Berlin", "Berlin", "DE", "emea", "+4930", 7, "10115"),
    City("Munich", "München", "DE", "emea", "+4989", 7, "80331"),
    City("London", "London", "GB", "emea", "+4420794", 5, "EC1A 1BB"),
    City("Paris", "Paris", "FR", "emea", "+33142", 6, "75001"),
    City("Lyon", "Lyon", "FR", "emea", "+33472", 6, "69001"),
    City("New York", "New York", "US", "na", "+1212555", 4, "10001"),
    City("San Francisco", "San Francisco", "US", "na", "+1415555", 4, "94103"),
    City("Chicago", "Chicago", "US", "na", "+1312555", 4, "60601"),
    City("Toronto", "Toronto", "CA", "na", "+1416555", 4, "M5H 2N2"),
)

REGION_CURRENCY = {"greater-china": "CNY", "apac": "USD", "emea": "EUR", "na": "USD"}
REGION_TEAM = {"greater-china": "sales-east", "apac": "sales-east", "emea": "sales-west", "na": "sales-west"}

STREETS_EN = (
    "Market Street",
    "High Street",
    "King's Road",
    "Harbour Road",
    "Elm Avenue",
    "Park Lane",
    "Mill Road",
    "Station Street",
    "Queen Street",
    "Lake Shore Drive",
    "Rue de Rivoli",
    "Hauptstraße",
)
STREETS_ZH = ("南京路", "长安街", "人民路", "中山路", "解放路", "建国路", "科技园路", "滨江大道")

INDUSTRIES = (
    "manufacturing",
    "software",
    "retail",
    "logistics",
    "healthcare",
    "finance",
    "education",
    "energy",
    "telecom",
    "hospitality",
)

COMPANY_WORDS_EN = (
    "Northwind",
    "Bluepeak",
    "Silverline",
    "Redwood",
    "Brightwater",
    "Ironbridge",
    "Clearview",
    "Greenfield",
    "Stonegate",
    "Lakeside",
    "Summit",
    "Harbor",
    "Evergreen",
    "Falcon",
    "Oakridge",
    "Crescent",
    "Pioneer",
    "Atlas",
    "Meridian",
    "Horizon",
    "Keystone",
    "Riverbend",
    "Westbrook",
    "Sterling",
    "Cobalt",
    "Maple",
    "Aurora",
    "Granite",
    "Juniper",
    "Vantage",
)
COMPANY_SUFFIX_EN = {
    "manufacturing": ("Manufacturing", "Industries", "Precision Works"),
    "software": ("Software", "Labs", "Systems"),
    "retail": ("Retail", "Stores", "Outfitters"),
    "logistics": ("Logistics", "Freight", "Shipping"),
    "healthcare": ("Health", "Medical", "Clinics"),
    "finance": ("Capital", "Financial", "Partners"),
    "education": ("Academy", "Learning", "Education"),
    "energy": ("Energy", "Power", "Solar"),
    "telecom": ("Telecom", "Networks", "Communications"),
    "hospitality": ("Hotels", "Hospitality", "Resorts"),
}
LEGAL_EN = ("Ltd", "Inc.", "GmbH", "LLC", "Co.", "Group", "PLC", "")

# (hanzi, pinyin slug)
COMPANY_WORDS_ZH = (
    ("华东", "huadong"),
    ("长城", "changcheng"),
    ("东方", "dongfang"),
    ("星辰", "xingchen"),
    ("金桥", "jinqiao"),
    ("瑞丰", "ruifeng"),
    ("远航", "yuanhang"),
    ("恒信", "hengxin"),
    ("天元", "tianyuan"),
    ("新光", "xinguang"),
    ("博远", "boyuan"),
    ("嘉禾", "jiahe"),
    ("鼎盛", "dingsheng"),
    ("海川", "haichuan"),
    ("云帆", "yunfan"),
    ("明德", "mingde"),
    ("中科", "zhongke"),
    ("安泰", "antai"),
    ("华美", "huamei"),
    ("精诚", "jingcheng"),
)
COMPANY_SUFFIX_ZH = {
    "manufacturing": (("精密制造", "precision"), ("机械", "machinery")),
    "software": (("软件", "software"), ("信息技术", "it")),
    "retail": (("商贸", "trading"), ("零售", "retail")),
    "logistics": (("物流", "logistics"), ("供应链", "supplychain")),
    "healthcare": (("医疗", "medical"), ("健康", "health")),
    "finance": (("投资", "capital"), ("金融服务", "finance")),
    "education": (("教育", "edu"), ("培训", "training")),
    "energy": (("能源", "energy"), ("新能源", "newenergy")),
    "telecom": (("通信", "telecom"), ("网络", "network")),
    "hospitality": (("酒店", "hotels"), ("旅业", "travel")),
}

FIRST_EN = (
    "James",
    "Mary",
    "Oliver",
    "Emma",
    "Lucas",
    "Sophia",
    "Noah",
    "Mia",
    "Liam",
    "Charlotte",
    "Ethan",
    "Amelia",
    "Henry",
    "Isla",
    "Jack",
    "Grace",
    "Leo",
    "Chloe",
    "Max",
    "Hannah",
    "Felix",
    "Clara",
    "Hugo",
    "Léa",
    "Jonas",
    "Marie",
    "Daniel",
    "Sarah",
    "Samuel",
    "Laura",
)
LAST_EN = (
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "Davies",
    "Evans",
    "Müller",
    "Schmidt",
    "Schneider",
    "Martin",
    "Bernard",
    "Dubois",
    "Moreau",
    "Garcia",
    "Miller",
    "Anderson",
    "Clarke",
    "Walker",
    "Wright",
    "Fischer",
    "Weber",
    "Lefebvre",
    "Thompson",
    "White",
    "Harris",
    "Lewis",
    "Young",
)
# (hanzi, pinyin)
FIRST_ZH = (
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀英", "xiuying"),
    ("晓东", "xiaodong"),
    ("海燕", "haiyan"),
    ("建华", "jianhua"),
    ("志强", "zhiqiang"),
)
LAST_ZH = (
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("林", "lin"),
)

TIERS = (("bronze", 40), ("silver", 30), ("gold", 20), ("platinum", 10))
SEGMENTS = ("smb", "mid-market", "enterprise")
CUSTOMER_TAGS = (
    "vip",
    "newsletter",
    "trade-show-2026",
    "partner",
    "beta",
    "reference-customer",
    "churn-risk",
    "wechat",
    "webinar",
    "renewal-q3",
)
CONSENT_SOURCES = ("web_form", "trade_show", "phone_call", "contract", "wechat")

LEAD_SOURCES = ("web", "event", "campaign", "partner", "referral", "cold_call")
DISQUALIFY_REASONS = ("no_budget", "duplicate", "spam", "no_need", "bad_timing")
WON_REASONS = ("best fit", "price", "relationship", "integration with ERP", "support quality")
LOST_REASONS = ("price", "competitor", "no_budget", "timing", "no_decision")
DEAL_PRODUCTS = (
    "CRM rollout",
    "Support plan",
    "Analytics add-on",
    "Platform licence",
    "Onboarding package",
    "Data migration",
    "Renewal",
    "Expansion seats",
    "Integration project",
    "Training",
)

TICKET_SUBJECTS_EN = (
    "Cannot log in after password reset",
    "Invoice amount looks wrong",
    "Export to CSV fails",
    "Dashboard loads slowly",
    "How do I add a user?",
    "Email notifications not arriving",
    "API returns 500 on bulk update",
    "Request to change billing address",
    "Data missing after import",
    "Mobile app crashes on start",
    "SSO configuration help",
    "Refund for duplicate charge",
)
TICKET_SUBJECTS_ZH = (
    "重置密码后无法登录",
    "发票金额有误",
    "导出CSV失败",
    "仪表盘加载很慢",
    "如何添加新用户？",
    "收不到邮件通知",
    "批量更新接口返回500",
    "申请修改开票地址",
    "导入后数据丢失",
    "手机App启动闪退",
    "单点登录配置求助",
    "重复扣款申请退款",
)
TICKET_TAGS = ("billing", "login", "bug", "how-to", "api", "mobile", "data", "sso", "refund", "performance")
PUBLIC_REPLIES = (
    "Thanks for reaching out, we are looking into it.",
    "Could you send us a screenshot?",
    "We have reproduced the issue and are working on a fix.",
    "您好，我们已收到您的问题，正在处理。",
    "A fix has been deployed, please try again.",
    "请您提供一下出错时的截图，谢谢。",
)
INTERNAL_NOTES = (
    "Checked the logs: looks like a sync delay.",
    "Escalating to L2, needs a database check.",
    "Customer is on a legacy plan.",
    "内部备注：可能与上周的版本发布有关。",
    "Known issue, see KB-142.",
)
REQUESTER_REPLIES = (
    "Thank you, here is the screenshot.",
    "It still happens this morning.",
    "谢谢，问题已经解决了。",
    "Any update on this?",
)
CSAT_COMMENTS = ("Quick and helpful.", "Took a while but solved.", "非常满意！", "Agent was very friendly.", None)

"""The demo company's people: who ``crm seed`` makes work and whom the console's
development sign-in lists. Deterministic, so a seeded store and the sign-in page agree.

Not used in production (the console refuses the development sign-in there); the user
directory will own people once it exists.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoUser:
    sub: str
    name: str
    email: str
    roles: tuple[str, ...]
    department: str | None
    teams: tuple[str, ...]
    locale: str = "en"
    title: str = ""


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Alex Admin", "alex.admin@demo.example", ("admin",), None, (), "en", "Administrator"),
    DemoUser(
        "li.wei",
        "Li Wei 李伟",
        "li.wei@demo.example",
        ("sales", "manager"),
        "sales",
        ("sales-east", "sales-west"),
        "zh-CN",
        "Head of sales",
    ),
    DemoUser(
        "ana", "Ana Costa", "ana.costa@demo.example", ("sales",), "sales", ("sales-east",), "en", "Account executive"
    ),
    DemoUser(
        "zhang.min",
        "Zhang Min 张敏",
        "zhang.min@demo.example",
        ("sales",),
        "sales",
        ("sales-east",),
        "zh-CN",
        "Account executive",
    ),
    DemoUser(
        "ben", "Ben Okafor", "ben.okafor@demo.example", ("sales",), "sales", ("sales-east",), "en", "Account executive"
    ),
    DemoUser(
        "wang.fang",
        "Wang Fang 王芳",
        "wang.fang@demo.example",
        ("sales",),
        "sales",
        ("sales-west",),
        "zh-CN",
        "Account executive",
    ),
    DemoUser(
        "carlos",
        "Carlos Ruiz",
        "carlos.ruiz@demo.example",
        ("sales",),
        "sales",
        ("sales-west",),
        "en",
        "Account executive",
    ),
    DemoUser(
        "chen.jie",
        "Chen Jie 陈杰",
        "chen.jie@demo.example",
        ("sales",),
        "sales",
        ("sales-west",),
        "zh-CN",
        "Sales development rep",
    ),
    DemoUser(
        "liu.yang",
        "Liu Yang 刘洋",
        "liu.yang@demo.example",
        ("service", "manager"),
        "service",
        ("support-l1", "support-l2"),
        "zh-CN",
        "Head of service",
    ),
    DemoUser(
        "sara",
        "Sara Lindqvist",
        "sara.lindqvist@demo.example",
        ("service",),
        "service",
        ("support-l1",),
        "en",
        "Support agent",
    ),
    DemoUser(
        "zhao.lei",
        "Zhao Lei 赵磊",
        "zhao.lei@demo.example",
        ("service",),
        "service",
        ("support-l1",),
        "zh-CN",
        "Support agent",
    ),
    DemoUser(
        "priya",
        "Priya Nair",
        "priya.nair@demo.example",
        ("service",),
        "service",
        ("support-l1",),
        "en",
        "Support agent",
    ),
    DemoUser(
        "huang.li",
        "Huang Li 黄丽",
        "huang.li@demo.example",
        ("service",),
        "service",
        ("support-l2",),
        "zh-CN",
        "Support engineer",
    ),
    DemoUser(
        "tom",
        "Tom Becker",
        "tom.becker@demo.example",
        ("service",),
        "service",
        ("support-l2",),
        "en",
        "Support engineer",
    ),
    DemoUser(
        "zhou.xin",
        "Zhou Xin 周欣",
        "zhou.xin@demo.example",
        ("marketing", "manager"),
        "marketing",
        ("marketing",),
        "zh-CN",
        "Head of marketing",
    ),
    DemoUser(
        "emma",
        "Emma Dubois",
        "emma.dubois@demo.example",
        ("marketing",),
        "marketing",
        ("marketing",),
        "en",
        "Campaign manager",
    ),
    DemoUser(
        "sun.hao",
        "Sun Hao 孙浩",
        "sun.hao@demo.example",
        ("marketing",),
        "marketing",
        ("marketing",),
        "zh-CN",
        "Marketing analyst",
    ),
    DemoUser(
        "olivia",
        "Olivia Brown",
        "olivia.brown@demo.example",
        ("marketing",),
        "marketing",
        ("marketing",),
        "en",
        "Content marketer",
    ),
    DemoUser("auditor", "Ivo Auditor", "ivo.auditor@demo.example", ("readonly",), None, (), "en", "Auditor"),
    DemoUser(
        "xu.ming",
        "Xu Ming 徐明",
        "xu.ming@demo.example",
        ("readonly",),
        "sales",
        ("sales-east",),
        "zh-CN",
        "Intern (read only)",
    ),
)


def demo_user(sub: str) -> DemoUser | None:
    return next((u for u in DEMO_USERS if u.sub == sub), None)

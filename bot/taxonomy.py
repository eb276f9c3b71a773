"""The label contract (shared/taxonomy.yml): customer intents, needs and agent acts.

A copy lives in the package (bot/taxonomy.yml) so an installed or cloned project works on its own; a test
keeps it identical to ../shared/taxonomy.yml whenever that file is beside the project. Labels the project adds
(the contract allows adding, never renaming) are in PROJECT_CUSTOMER_INTENTS, not in the copy.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

TAXONOMY_FILE = Path(__file__).resolve().with_name("taxonomy.yml")
REASON_PREFIX = "reason_"
# Customers type their number unprompted or in answer to another question; without its own intent a bare
# number is read as whatever it resembles (goodbye, affirm) and the conversation goes astray.
# The questions customers ask in the middle of a retention conversation get their own intents so the bot can
# answer them from data instead of reading them as a reason or an answer to an offer.
PROJECT_CUSTOMER_INTENTS = {
    "inform_phone": "只报了手机号码（主动报号，或回答核对身份的问题）",
    "ask_offer_details": "问正在介绍的方案的细节：多少钱、期限多长、有什么变化、什么时候生效、有没有违约金",
    "ask_ticket_progress": "问已经反映的问题/工单的进度和时间：什么时候能修好、查清楚了吗、怎么还没人联系",
    "ask_how_to_leave": "问怎么办理销户、携号转网、拆宽带：要去哪办、带什么、要多久、有什么条件",
    "ask_product_fact": "问业务本身的事实：保号能不能收短信/接电话、宽带受不受影响、副卡、漫游怎么开等",
    "ask_coverage": "问某个地址或城市能不能办理、有没有覆盖、能不能移机/装宽带",
}


@lru_cache(maxsize=1)
def _taxonomy() -> dict[str, dict[str, str]]:
    return yaml.safe_load(TAXONOMY_FILE.read_text(encoding="utf-8"))


def customer_intents() -> list[str]:
    return [*_taxonomy()["customer_intents"], *PROJECT_CUSTOMER_INTENTS]


def reason_intents() -> list[str]:
    return [name for name in customer_intents() if name.startswith(REASON_PREFIX)]


def needs() -> list[str]:
    return list(_taxonomy()["needs"])


def agent_acts() -> list[str]:
    return list(_taxonomy()["agent_acts"])


def description(label: str) -> str:
    """The Chinese description of a label, for UIs and reports."""
    for section in (*_taxonomy().values(), PROJECT_CUSTOMER_INTENTS):
        if label in section:
            return section[label]
    raise KeyError(label)

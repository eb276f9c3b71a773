"""The flow's memory of one conversation, kept in the Rasa tracker as one slot (`flow`).

One JSON document instead of a dozen slots: the policy does not read it (rules route every message to the
turn action), so nothing is gained by spreading it, and one document is easy to copy into a practice call or
a test.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Extra, Field

STATE_SLOT = "flow"


class TicketPromise(BaseModel):
    """A ticket opened in this conversation as the customer was told it: the same words every time."""

    id: str
    due: str  # 「12月7日 18:00前」
    asked: int = 0  # how often the customer asked after it


class FlowState(BaseModel):
    class Config:
        extra = Extra.ignore  # a state written by an older release still loads

    conversation_id: int | None = None  # the app's conversation row, worked out once per message by the action
    replies: int = 0  # bot replies so far
    reason: str | None = None
    need: str | None = None
    reason_status: str = "none"  # none → heard (probed once more) → confirmed
    reason_words: str | None = None  # the message the reason was told in (a ticket opened later quotes it)
    vague_probes: int = 0  # open question, then focused one, then keep-number advice
    phone: str | None = None  # the identified customer's number: vouched for by the channel, or verified by code
    claimed_phone: str | None = None  # a number the customer gave, a code sent to it, the code not yet back
    phone_asks: int = 0
    general_help_given: bool = False  # no number after the asks: general advice and a call-back offered
    churn_band: str | None = None  # read once, when the customer is identified
    unknown_phone: str | None = None  # a number given that the database does not know
    leave_topic: str | None = None  # what the customer asked about leaving: port, broadband, cancel
    needs_data: bool = False  # the customer runs out of data (「流量老不够用」): more data is what suits
    needs_calls: bool = False  # the customer still makes or takes calls (「我就打打电话」): 停机保号 cuts them
    needs_sms: bool = False  # the customer said the number must keep receiving SMS (bank codes)
    abroad: bool = False  # moving out of the country: only keeping the number suits (no plan, no broadband)
    place: str | None = None  # where a moving customer goes (「成都」), as they said it
    competitor: str | None = None
    competitor_amount: float | None = None
    proposed: list[str] = Field(default_factory=list)  # offer codes in proposal order (at most two)
    rejected: list[str] = Field(default_factory=list)
    on_table: str | None = None  # the offer waiting for the customer's answer
    pending: str | None = None  # the offer waiting for the customer's yes to the confirmation
    stay_asked: bool = False  # 「问题处理好之前先别急着销户」 said once
    discussed: str | None = None  # the offer the customer last asked about (「要续约吗」 refers to it)
    mentioned: list[str] = Field(default_factory=list)  # offers put, listed or answered about, in the order told
    listed: list[str] = Field(default_factory=list)  # offers listed as options (「保号有哪几种」), in that order
    keep_number_done: bool = False  # the keep-number option was put (a plan, or the advice alone)
    keep_number_code: str | None = None  # the keep-number plan proposed, if any
    offers_refused: bool = False  # a clear no to offers in general: never propose again
    enrolled: str | None = None
    tickets: dict[str, TicketPromise] = Field(default_factory=dict)
    outcome: str | None = None
    closed: bool = False
    fallbacks: int = 0  # consecutive messages not understood
    said: list[str] = Field(default_factory=list)  # "response#variant" of every line said
    last_step: str | None = None

    @classmethod
    def from_slot(cls, value: Any) -> FlowState:
        return cls.parse_obj(value) if isinstance(value, dict) else cls()

    def to_slot(self) -> dict[str, Any]:
        return self.dict()

    def put(self) -> list[str]:
        """Every offer put to the customer, in order: the proposals, then the keep-number plan."""
        return [*self.proposed, *([self.keep_number_code] if self.keep_number_code else [])]

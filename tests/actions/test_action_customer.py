"""action_identify_customer: the number from the phone slot or the channel, looked up in the database."""

from __future__ import annotations

from action_testing import SENDER, Month, add_customer, conversation_of, make_tracker, run

from actions.customer import ActionIdentifyCustomer

PHONE = "13312345678"


async def test_a_known_number_in_the_slot_identifies_the_customer(app_db: str) -> None:
    customer_id = add_customer(app_db, PHONE, [Month(120, 8000, 99)], name="李女士")
    outcome = await run(ActionIdentifyCustomer(), make_tracker(slots={"phone": "133 1234 5678"}))
    assert [(e["name"], e["value"]) for e in outcome.events] == [
        ("phone", PHONE),
        ("customer_found", True),
        ("customer_name", "李女士"),
    ]
    assert outcome.messages == []
    conversation = conversation_of(app_db)
    assert (conversation.mode, conversation.channel, conversation.customer_id) == ("customer", "web", customer_id)


async def test_the_channel_metadata_gives_the_number_when_the_slot_is_empty(app_db: str) -> None:
    add_customer(app_db, PHONE, [Month(120, 8000, 99)])
    tracker = make_tracker(intent="request_cancel", metadata={"phone": PHONE}, channel="wechat")
    outcome = await run(ActionIdentifyCustomer(), tracker)
    assert outcome.slots == {"phone": PHONE, "customer_found": True, "customer_name": "王先生"}
    assert conversation_of(app_db, channel="wechat").customer_id is not None


async def test_the_slot_wins_over_the_channel(app_db: str) -> None:
    add_customer(app_db, PHONE, [Month(120, 8000, 99)], name="李女士")
    add_customer(app_db, "18987654321", [Month(50, 1000, 39)], name="张先生")
    tracker = make_tracker(slots={"phone": "18987654321"}, metadata={"phone": PHONE})
    assert (await run(ActionIdentifyCustomer(), tracker)).slots["customer_name"] == "张先生"


async def test_an_unknown_number_is_not_found_and_not_kept(app_db: str) -> None:
    """phone_form then asks which number the customer means."""
    add_customer(app_db, PHONE, [Month(120, 8000, 99)])
    outcome = await run(ActionIdentifyCustomer(), make_tracker(metadata={"phone": "13900001111"}))
    assert outcome.slots == {"customer_found": False, "customer_name": None}
    assert conversation_of(app_db) is None


async def test_no_number_or_an_invalid_one_is_not_found(app_db: str) -> None:
    add_customer(app_db, PHONE, [Month(120, 8000, 99)])
    for tracker in (make_tracker(), make_tracker(metadata={"phone": "12345"}), make_tracker(slots={"phone": "abc"})):
        assert (await run(ActionIdentifyCustomer(), tracker)).slots == {"customer_found": False, "customer_name": None}


async def test_a_channel_outside_the_vocabulary_is_recorded_as_cli(app_db: str) -> None:
    add_customer(app_db, PHONE, [Month(120, 8000, 99)])
    await run(ActionIdentifyCustomer(), make_tracker(slots={"phone": PHONE}, channel="cmdline"))
    assert conversation_of(app_db, SENDER, channel="cli").customer_id is not None


async def test_a_database_failure_is_silent_and_keeps_an_identity_already_confirmed(broken_db: str) -> None:
    first = await run(ActionIdentifyCustomer(), make_tracker(metadata={"phone": PHONE}))
    assert (first.slots, first.messages) == ({"customer_found": False}, [])
    later = await run(ActionIdentifyCustomer(), make_tracker(slots={"phone": PHONE, "customer_found": True}))
    assert (later.slots, later.messages) == ({"customer_found": True}, [])

"""The Official Account protocol without a server: signatures, the documented examples, options."""

from __future__ import annotations

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from bot.channels.wechat.options import answer_to_message, render_messages
from bot.channels.wechat.protocol import (
    Credentials,
    Envelope,
    Incoming,
    MalformedMessage,
    NotConfigured,
    SignatureError,
    open_request,
    read_message,
    render_reply,
    verify_url,
)

# The text message example of the WeChat documentation (接收普通消息 → 文本消息).
DOCUMENTED_TEXT_MESSAGE = (
    "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>"
    "<CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[this is a test]]></Content><MsgId>1234567890123456</MsgId></xml>"
)

# The safe-mode example of the 公众平台 message encryption sample (WXBizMsgCrypt's Python Sample.py).
AES_TOKEN = "spamtest"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
AES_APPID = "wx2c2769f8efd9abc2"
AES_QUERY = {
    "encrypt_type": "aes",
    "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
    "timestamp": "1409735669",
    "nonce": "1320562132",
}
AES_MESSAGE = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
    "<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>"
    "<CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content>"
    "<MsgId>6054768590064713728</MsgId><Encrypt><![CDATA["
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFm"
    "OD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8d"
    "KOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5"
    "RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNP"
    "fUM669WuMyVWQLCzpu9GhglF2PE="
    "]]></Encrypt></xml>"
)


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


PLAIN = Credentials(token="test-token", app_id="", aes_key="")
SAFE = Credentials(token=AES_TOKEN, app_id=AES_APPID, aes_key=AES_KEY)


def test_url_verification_checks_the_signature() -> None:
    verify_url(PLAIN, sign("test-token", "1409735669", "123"), "1409735669", "123")
    with pytest.raises(SignatureError):
        verify_url(PLAIN, sign("another-token", "1409735669", "123"), "1409735669", "123")


def test_the_documented_text_message_in_plain_mode() -> None:
    query = {"signature": sign("test-token", "1348831860", "42"), "timestamp": "1348831860", "nonce": "42"}
    incoming, envelope = open_request(PLAIN, DOCUMENTED_TEXT_MESSAGE.encode(), query)
    assert incoming == Incoming("text", "fromUser", "toUser", "msg:fromUser:1234567890123456", "this is a test")
    assert envelope == Envelope(encrypted=False, nonce="42")
    with pytest.raises(SignatureError):
        open_request(PLAIN, DOCUMENTED_TEXT_MESSAGE.encode(), {**query, "nonce": "43"})


def test_the_documented_safe_mode_example_decrypts() -> None:
    incoming, envelope = open_request(SAFE, AES_MESSAGE.encode(), AES_QUERY)
    openid = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert incoming == Incoming("text", openid, "gh_10f6c3c3ac5a", f"msg:{openid}:6054768590064713728", "abcdteT")
    assert envelope == Envelope(encrypted=True, nonce="1320562132")


def test_safe_mode_refuses_a_wrong_signature_or_another_account() -> None:
    with pytest.raises(SignatureError):
        open_request(SAFE, AES_MESSAGE.encode(), {**AES_QUERY, "msg_signature": "0" * 40})
    other_account = Credentials(token=AES_TOKEN, app_id="wx0000000000000000", aes_key=AES_KEY)
    with pytest.raises(SignatureError):
        open_request(other_account, AES_MESSAGE.encode(), AES_QUERY)


def test_safe_mode_needs_its_configuration() -> None:
    with pytest.raises(NotConfigured):
        open_request(PLAIN, AES_MESSAGE.encode(), AES_QUERY)
    with pytest.raises(NotConfigured):
        Credentials(token=AES_TOKEN, app_id=AES_APPID, aes_key="too-short").crypto()


def test_a_signed_payload_that_is_not_the_protocol_is_malformed() -> None:
    encrypt = "bm90IGFuIEFFUyBibG9jaw=="  # base64, but no AES block
    query = {**AES_QUERY, "msg_signature": sign(AES_TOKEN, AES_QUERY["timestamp"], AES_QUERY["nonce"], encrypt)}
    with pytest.raises(MalformedMessage):
        open_request(SAFE, f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode(), query)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<xml>",
        b"<xml/>",
        b"<other><MsgType>text</MsgType></other>",
        b"<xml><FromUserName>a</FromUserName><ToUserName>b</ToUserName><MsgType>text</MsgType></xml>",  # no time
        b"<xml><FromUserName>a</FromUserName><ToUserName>b</ToUserName><CreateTime>1</CreateTime>"
        b"<MsgType>text</MsgType><MsgId>twelve</MsgId></xml>",
        b'<!DOCTYPE xml [<!ENTITY e "x">]><xml><FromUserName>&e;</FromUserName></xml>',  # no entities, ever
    ],
)
def test_malformed_bodies(body: bytes) -> None:
    with pytest.raises(MalformedMessage):
        read_message(body)


@pytest.mark.parametrize(
    ("xml", "kind", "key"),
    [
        ("<MsgType>image</MsgType><PicUrl>http://x/y.jpg</PicUrl><MsgId>7</MsgId>", "media", "msg:u:7"),
        ("<MsgType>location</MsgType><Location_X>23.1</Location_X><MsgId>8</MsgId>", "media", "msg:u:8"),
        ("<MsgType>event</MsgType><Event>subscribe</Event>", "subscribe", "event:u:1"),
        ("<MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_5</EventKey>", "subscribe", "event:u:1"),
        ("<MsgType>event</MsgType><Event>CLICK</Event><EventKey>menu</EventKey>", "other", "event:u:1"),
        ("<MsgType>miniprogrampage</MsgType><MsgId>9</MsgId>", "other", "msg:u:9"),
    ],
)
def test_message_kinds_and_dedupe_keys(xml: str, kind: str, key: str) -> None:
    body = f"<xml><ToUserName>gh</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime>{xml}</xml>"
    incoming = read_message(body)
    assert (incoming.kind, incoming.dedupe_key) == (kind, key)


def test_the_reply_is_encrypted_and_signed_in_safe_mode() -> None:
    incoming, envelope = open_request(SAFE, AES_MESSAGE.encode(), AES_QUERY)
    xml = render_reply(incoming, envelope, "您好]]>\x07！", SAFE)
    encrypted = xmltodict.parse(xml)["xml"]
    assert encrypted["Nonce"] == AES_QUERY["nonce"]
    signed = sign(AES_TOKEN, encrypted["TimeStamp"], encrypted["Nonce"], encrypted["Encrypt"])
    assert encrypted["MsgSignature"] == signed
    crypto = WeChatCrypto(AES_TOKEN, AES_KEY, AES_APPID)
    plain = crypto.decrypt_message(xml, encrypted["MsgSignature"], encrypted["TimeStamp"], encrypted["Nonce"])
    reply = xmltodict.parse(plain)["xml"]
    assert reply["ToUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert reply["FromUserName"] == "gh_10f6c3c3ac5a"
    assert reply["MsgType"] == "text"
    assert reply["Content"] == "您好]]>！"  # split CDATA survives, the control character is dropped


def test_messages_and_buttons_become_one_text_with_numbered_options() -> None:
    text, buttons = render_messages(
        [
            {"recipient_id": "u", "text": "给您推荐一个套餐。"},
            {
                "recipient_id": "u",
                "text": "您看可以吗？",
                "buttons": [
                    {"title": "好的，就办这个", "payload": "/accept_offer"},
                    {"title": "不需要", "payload": "/reject_offer"},
                ],
            },
            {"recipient_id": "u", "image": "http://example.invalid/x.png"},
        ]
    )
    assert text == "给您推荐一个套餐。\n您看可以吗？\n回复 1：好的，就办这个\n回复 2：不需要"
    assert [button["payload"] for button in buttons] == ["/accept_offer", "/reject_offer"]


@pytest.mark.parametrize(
    ("answer", "sent"),
    [
        ("1", "/accept_offer"),
        (" ２ ", "/reject_offer"),  # full-width digit from a phone keyboard
        ("好的，就办这个", "/accept_offer"),
        ("3", "3"),  # no such option: the text as typed
        ("0", "0"),
        ("1个月多少钱", "1个月多少钱"),
    ],
)
def test_an_option_number_or_title_maps_back_to_its_payload(answer: str, sent: str) -> None:
    buttons = [{"title": "好的，就办这个", "payload": "/accept_offer"}, {"title": "不需要", "payload": "/reject_offer"}]
    assert answer_to_message(answer, buttons) == sent
    assert answer_to_message(answer, []) == answer

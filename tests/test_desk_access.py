"""Every desk route for every role: anonymous, trainee, supervisor, admin (issue #13 "Access")."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.desk_testing import MASKED, PHONE, DeskData, accounts_url, cheap_hashing, client, csrf, desk  # noqa: F401
from tests.desk_testing import nlu_copy, signed_in  # noqa: F401

# (method, path, who may: "staff" or "all"); {c} a customer conversation, {t} a turn, {k} a ticket
ROUTES = [
    ("GET", "/desk", "all"),
    ("GET", "/desk/conversations/{c}", "staff"),
    ("POST", "/desk/conversations/{c}/tags", "staff"),
    ("POST", "/desk/conversations/{c}/comments", "staff"),
    ("POST", "/desk/conversations/{c}/reviewed", "staff"),
    ("POST", "/desk/conversations/{c}/takeover", "staff"),
    ("POST", "/desk/conversations/{c}/replies", "staff"),
    ("POST", "/desk/turns/{t}/relabel", "staff"),
    ("POST", "/desk/export", "staff"),
    ("GET", "/desk/tickets", "staff"),
    ("POST", "/desk/tickets/{k}/assign", "staff"),
    ("POST", "/desk/tickets/{k}/comments", "staff"),
    ("POST", "/desk/tickets/{k}/resolve", "staff"),
    ("GET", "/desk/figures", "staff"),
    ("GET", "/api/desk/conversations", "all"),
    ("GET", "/api/desk/conversations/{c}", "staff"),
    ("GET", "/api/desk/conversations/{c}/story", "staff"),
    ("POST", "/api/desk/conversations/{c}/takeover", "staff"),
    ("POST", "/api/desk/conversations/{c}/replies", "staff"),
    ("GET", "/api/desk/conversations/{c}/suggestion", "staff"),
    ("POST", "/api/desk/turns/{t}/corrections", "staff"),
    ("POST", "/api/desk/export-training", "staff"),
    ("GET", "/api/desk/tickets", "staff"),
    ("GET", "/api/desk/figures/retention_by_reason.csv", "staff"),
]
FORMS = {
    "tags": {"tag": "好例子"}, "comments": {"body": "处理得好"}, "reviewed": {"reviewed": "1"},
    "relabel": {"field": "intent", "value": "reason_competitor_offer"}, "export": {},
    "assign": {"assignee": "{s}"}, "resolve": {"resolution": "已修复", "status": "resolved"},
    "takeover": {"live": "1"}, "replies": {"text": "您好，我是客服主管"},
}
API_BODIES = {
    "corrections": {"field": "intent", "value": "reason_competitor_offer"},
    "takeover": {"live": True}, "replies": {"text": "您好，我是客服主管"},
}


def _call(client: TestClient, method: str, path: str, desk: DeskData, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    url = path.format(c=desk.customer_conversation, t=desk.customer_turn, k=desk.ticket)
    if method == "GET":
        return client.get(url, follow_redirects=False)
    if url.startswith("/api/"):
        body = API_BODIES.get(url.rsplit("/", 1)[-1])
        return client.post(url, json=body, headers=headers, follow_redirects=False)
    form = {key: value.format(s=desk.supervisor) for key, value in FORMS.get(url.rsplit("/", 1)[-1], {}).items()}
    if url.endswith("/comments"):
        form = {"body": "处理得好"}
    return client.post(url, data=form, headers=headers, follow_redirects=False)


@pytest.mark.parametrize("method,path,who", ROUTES)
def test_anonymous_gets_401_or_the_login_page(client: TestClient, desk: DeskData, method: str, path: str,
                                              who: str) -> None:
    answer = _call(client, method, path, desk, {})
    if path.startswith("/api/"):
        assert answer.status_code == 401 and "detail" in answer.json()
    else:
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["sup", "adm", "tr1"])
def test_every_role_on_every_route(client: TestClient, desk: DeskData, nlu_copy, role: str) -> None:  # noqa: F811
    signed_in(client, role)
    headers = csrf(client)
    for method, path, who in ROUTES:
        answer = _call(client, method, path, desk, headers)
        if role == "tr1" and who == "staff":
            expected = {403, 404} if path.startswith("/api/") else {303, 404}
            assert answer.status_code in expected, (path, answer.status_code)
            if answer.status_code == 303:
                assert answer.headers["location"].startswith("/login?next="), path
        else:
            assert answer.status_code in {200, 201, 303}, (role, path, answer.status_code, answer.text[:200])
            if answer.status_code == 303:
                assert not answer.headers["location"].startswith("/login"), path


def test_a_state_change_without_the_csrf_token_is_refused(client: TestClient, desk: DeskData) -> None:
    signed_in(client, "sup")
    answer = client.post(f"/api/desk/turns/{desk.customer_turn}/corrections",
                         json={"field": "intent", "value": "greet"})
    assert answer.status_code == 403
    page = client.post(f"/desk/conversations/{desk.customer_conversation}/tags", data={"tag": "x"},
                       follow_redirects=False)
    assert page.status_code == 403


def test_a_trainee_sees_only_their_own_practice_calls(client: TestClient, desk: DeskData) -> None:
    signed_in(client, "tr1")
    rows = client.get("/api/desk/conversations").json()["rows"]
    assert [row["id"] for row in rows] == [desk.own_practice]
    assert client.get(f"/api/desk/conversations/{desk.own_practice}").status_code == 200
    assert client.get(f"/desk/conversations/{desk.own_practice}").status_code == 200
    for other in (desk.other_practice, desk.customer_conversation, desk.wechat_conversation):
        assert client.get(f"/api/desk/conversations/{other}").status_code == 404
        assert client.get(f"/desk/conversations/{other}").status_code == 404
    page = client.get("/desk").text
    assert PHONE not in page and "信号不好" not in page


def test_phone_numbers_are_masked_for_trainees_only(client: TestClient, desk: DeskData) -> None:
    signed_in(client, "tr1")
    call = client.get(f"/api/desk/conversations/{desk.own_practice}").json()
    assert call["scenario"] == f"价格太贵，客户号码 {MASKED}"
    assert PHONE not in client.get(f"/desk/conversations/{desk.own_practice}").text
    client.post("/logout", data={"csrf_token": csrf(client)["X-CSRF-Token"]})
    signed_in(client, "sup")
    view = client.get(f"/api/desk/conversations/{desk.customer_conversation}").json()
    assert view["phone"] == PHONE and PHONE in view["turns"][0]["text"]

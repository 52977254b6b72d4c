from tests.support import run_tasks


def test_register_login_and_read_profile(api, db, mailoutbox):
    response = api.post_json(
        "/api/store/auth/register", {"email": "Ada@Example.com", "password": "Sup3r-secret-pw"}
    )
    assert response.status_code == 202
    login = api.post_json(
        "/api/store/auth/login", {"email": "ada@example.com", "password": "Sup3r-secret-pw"}
    )
    assert login.status_code == 200, login.content
    me = api.get_json("/api/store/me", token=login.json()["access_token"])
    assert me.json()["email"] == "ada@example.com"
    assert run_tasks() >= 2  # event dispatch, then the email task it enqueued
    assert [m.to for m in mailoutbox] == [["ada@example.com"]]
    assert "Confirm your email" in mailoutbox[0].subject

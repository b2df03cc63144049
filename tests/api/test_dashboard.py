"""The dashboard at ``/`` (issue 17): served without a key, only local assets, names that match the API.

The page itself is exercised in a real browser by ``tests/api/test_dashboard_browser.py``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth

STATIC = Path(__file__).resolve().parents[2] / "api" / "static"
OWN_FILES = ["dashboard/index.html", "dashboard/app.js", "dashboard/api.js", "dashboard/format.js",
             "dashboard/style.css"]
ECHARTS = "vendor/echarts-5.6.0"
VENDORED = [f"{ECHARTS}/echarts.min.js", f"{ECHARTS}/LICENSE", f"{ECHARTS}/NOTICE", f"{ECHARTS}/LICENSE-d3",
            f"{ECHARTS}/README.md"]
#: The only absolute URLs in the vendored ECharts: XML namespaces and licence links, none of them fetched.
ECHARTS_URLS = {"http://www.apache.org/licenses/LICENSE-2.0", "http://www.w3.org/1999/xlink",
                "http://www.w3.org/2000/svg", "http://www.w3.org/2000/xmlns/", "http://www.w3.org/XML/1998/namespace",
                "https://github.com/ecomfe/zrender/blob/master/LICENSE.txt"}
URL = re.compile(r"https?://[^\s\"'`)<>]*")


class _Links(HTMLParser):
    """Every src and href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in ("src", "href") and value]


def test_the_page_is_served_at_the_root_without_a_key(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<html lang="zh-CN">' in response.text and "售后反馈看板" in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp  # nothing from elsewhere, not even by mistake
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("path", "content_type"), [
    ("dashboard/app.js", "text/javascript; charset=utf-8"),
    ("dashboard/api.js", "text/javascript; charset=utf-8"),
    ("dashboard/format.js", "text/javascript; charset=utf-8"),
    ("dashboard/style.css", "text/css; charset=utf-8"),
    (f"{ECHARTS}/echarts.min.js", "text/javascript; charset=utf-8"),
    (f"{ECHARTS}/LICENSE", "text/plain; charset=utf-8"),
    (f"{ECHARTS}/NOTICE", "text/plain; charset=utf-8"),
])  # fmt: skip
def test_static_files_have_their_content_types_and_need_no_key(client: TestClient, path: str,
                                                               content_type: str) -> None:
    response = client.get(f"/static/{path}")
    assert response.status_code == 200, path
    assert response.headers["content-type"] == content_type
    assert response.content == (STATIC / path).read_bytes()


def test_the_vendored_echarts_is_the_release_with_its_licence(client: TestClient) -> None:
    head = (STATIC / ECHARTS / "echarts.min.js").read_text(encoding="utf-8")[:2000]
    assert "Licensed to the Apache Software Foundation" in head
    assert "Apache License" in (STATIC / ECHARTS / "LICENSE").read_text(encoding="utf-8")
    assert "5.6.0" in (STATIC / ECHARTS / "README.md").read_text(encoding="utf-8")
    assert client.get(f"/static/{ECHARTS}/echarts.min.js").headers["cache-control"].endswith("immutable")


def test_the_page_references_only_local_assets_that_exist(client: TestClient) -> None:
    parser = _Links()
    parser.feed(client.get("/").text)
    assert len(parser.links) >= 4
    for link in parser.links:
        if link == "data:,":  # the empty favicon: no request at all
            continue
        assert link.startswith("/") and not link.startswith("//"), link
        assert client.get(link).status_code == 200, link
    for name in OWN_FILES:  # no absolute URL at all in our own files
        assert not URL.findall((STATIC / name).read_text(encoding="utf-8")), name
    # The modules import each other by relative path only.
    for name in ("app.js", "api.js", "format.js"):
        for module in re.findall(r"""^import .* from ["']([^"']+)["']""", (STATIC / "dashboard" / name).read_text(
                encoding="utf-8"), re.MULTILINE):  # fmt: skip
            assert module.startswith("./") and (STATIC / "dashboard" / module).is_file(), (name, module)
    urls = set(URL.findall((STATIC / ECHARTS / "echarts.min.js").read_text(encoding="utf-8")))
    assert urls <= ECHARTS_URLS, urls - ECHARTS_URLS


def test_the_key_never_goes_into_a_url_and_lives_in_session_storage() -> None:
    api_js = (STATIC / "dashboard" / "api.js").read_text(encoding="utf-8")
    assert '"X-API-Key"' in api_js and "sessionStorage" in api_js and "localStorage" not in api_js
    app_js = (STATIC / "dashboard" / "app.js").read_text(encoding="utf-8")
    assert "innerHTML" not in app_js and "innerHTML" not in api_js  # API text is inserted as text only


@pytest.mark.parametrize("path", ["../app.py", "dashboard/../../app.py", "%2e%2e/app.py", "dashboard",
                                  "dashboard/missing.js", "../../pyproject.toml", "/etc/passwd"])
def test_nothing_outside_the_static_folder_is_served(client: TestClient, path: str) -> None:
    response = client.get(f"/static/{path}")
    assert response.status_code == 404, (path, response.text[:200])
    assert response.json()["type"] == "not_found"


def test_the_page_is_not_an_api_operation(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not [p for p in paths if p.startswith("/static")]


def test_the_page_asks_only_for_what_the_api_offers(client: TestClient) -> None:
    """The filters are query parameters of the KPI and theme routes; the tiles are catalogue KPIs."""
    app_js = (STATIC / "dashboard" / "app.js").read_text(encoding="utf-8")

    def listed(name: str) -> list[str]:
        match = re.search(rf"const {name} = \[([^\]]*)\]", app_js)
        assert match, name
        return re.findall(r'"([a-z_]+)"', match.group(1))

    operations = client.get("/openapi.json").json()["paths"]
    for route in ("/v1/kpis", "/v1/themes/top", "/v1/themes/emerging"):
        names = {p["name"] for p in operations[route]["get"]["parameters"]}
        wanted = set(listed("DIMENSIONS")) | {"from", "to"} | ({"ids"} if route == "/v1/kpis" else {"top"})
        assert wanted <= names, (route, wanted - names)
    catalogue = {d["id"] for d in client.get("/v1/kpis/catalogue", headers=auth("read")).json()["kpis"]}
    assert set(listed("HEADLINE")) <= catalogue and len(listed("HEADLINE")) >= 6

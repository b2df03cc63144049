"""POST /v1/classify with explain: the words behind each label, offsets into the text as sent, limits."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from feedback_nlp.classifiers.explain import MAX_EXPLAIN_TEXTS, MAX_TOP_K, predicted_label_keys
from tests.api.conftest import assert_error, auth

FIELDS = {"id", "fault_types", "primary_fault", "sentiment", "aspects", "scores", "tokens", "keywords", "names_zh"}
# Traditional characters, full-width letters and punctuation, an emoji, a run of spaces.
TEXT = "空調不製冷，外機噪音很大😡   師傅上門態度還很差！ＫＦＲ"


def test_without_explain_the_answer_has_no_explanations(client: TestClient) -> None:
    for payload in ({"text": TEXT}, {"text": TEXT, "explain": False}):
        [result] = client.post("/v1/classify", json=payload, headers=auth("classify")).json()["results"]
        assert set(result) == FIELDS


def test_explain_gives_each_predicted_label_its_words_in_the_text_as_sent(client: TestClient) -> None:
    plain = client.post("/v1/classify", json={"text": TEXT}, headers=auth("classify")).json()["results"][0]
    response = client.post("/v1/classify", json={"text": TEXT, "explain": True}, headers=auth("classify"))
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert set(result) == FIELDS | {"explanations", "explanation_method"}
    assert result["explanation_method"] == "linear"  # the test models are baselines
    assert {k: v for k, v in result.items() if k in FIELDS} == plain  # explaining changes no label or score
    assert list(result["explanations"]) == predicted_label_keys(result)
    assert any(key.startswith("sentiment:") for key in result["explanations"])
    spans = [span for spans in result["explanations"].values() for span in spans]
    assert spans
    for span in spans:
        assert set(span) == {"start", "end", "text", "weight"}
        assert TEXT[span["start"] : span["end"]] == span["text"]
    assert any(span["text"] == "不製冷" for span in result["explanations"]["fault:temperature"])
    for spans in result["explanations"].values():
        assert 0 < len(spans) <= 5  # the default top_k
        assert [abs(s["weight"]) for s in spans] == sorted((abs(s["weight"]) for s in spans), reverse=True)


def test_explain_top_k_and_batches(client: TestClient) -> None:
    texts = ["冰箱冷藏室結冰，報修三天了還沒人聯繫", "安装师傅很专业，服务满意，给个好评"]
    body = client.post("/v1/classify", json={"texts": texts, "ids": ["F1", "F2"], "explain": True,
                                             "explain_top_k": 2}, headers=auth("classify")).json()  # fmt: skip
    assert [r["id"] for r in body["results"]] == ["F1", "F2"]
    for text, result in zip(texts, body["results"], strict=True):
        assert all(0 < len(spans) <= 2 for spans in result["explanations"].values())
        for spans in result["explanations"].values():
            assert all(text[s["start"] : s["end"]] == s["text"] for s in spans)
    assert body["results"][1]["sentiment"] == "positive"
    assert "sentiment:positive" in body["results"][1]["explanations"]


def test_explain_is_limited_to_a_bounded_number_of_texts(client: TestClient) -> None:
    ok = client.post("/v1/classify", json={"texts": ["空调不制冷"] * MAX_EXPLAIN_TEXTS, "explain": True},
                     headers=auth("classify"))  # fmt: skip
    assert ok.status_code == 200 and all("explanations" in r for r in ok.json()["results"])
    over = client.post("/v1/classify", json={"texts": ["空调不制冷"] * (MAX_EXPLAIN_TEXTS + 1), "explain": True},
                       headers=auth("classify"))  # fmt: skip
    body = assert_error(over, 422, "validation_error")
    assert body["details"][0]["path"] == "body.texts"
    assert f"limit is {MAX_EXPLAIN_TEXTS}" in body["message"] and "\n" not in body["message"]
    # the same number of texts without explain is fine
    plain = client.post("/v1/classify", json={"texts": ["空调不制冷"] * (MAX_EXPLAIN_TEXTS + 1)},
                        headers=auth("classify"))  # fmt: skip
    assert plain.status_code == 200


@pytest.mark.parametrize("top_k", [0, MAX_TOP_K + 1, "many"])
def test_explain_top_k_out_of_range_is_422(client: TestClient, top_k: object) -> None:
    response = client.post("/v1/classify", json={"text": TEXT, "explain": True, "explain_top_k": top_k},
                           headers=auth("classify"))  # fmt: skip
    body = assert_error(response, 422, "validation_error")
    assert "body.explain_top_k" in [d["path"] for d in body["details"]]


def test_the_openapi_schema_documents_explanations(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert {"explain", "explain_top_k"} <= set(schemas["ClassifyRequest"]["properties"])
    assert {"explanations", "explanation_method"} <= set(schemas["ClassifyResult"]["properties"])
    assert set(schemas["ExplanationSpan"]["required"]) == {"start", "end", "text", "weight"}

"""POST /v1/classify: one text or a batch, optionally stored as predictions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue

from api.runtime import MODEL_REF_PATTERN
from feedback_nlp.classifiers.explain import DEFAULT_TOP_K, MAX_EXPLAIN_TEXTS, MAX_TOP_K
from feedback_nlp.text import content_problem


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("text is empty or only whitespace")
    problem = content_problem(text)  # no letter or digit (zero-width, NUL, emoji only, ...), lone surrogates
    if problem is not None:
        raise ValueError(problem)
    return text


Text = Annotated[str, Field(min_length=1), AfterValidator(_not_blank)]  # pydantic refuses lone surrogates
FeedbackId = Annotated[str, Field(min_length=1, max_length=200)]

# Example texts are written with personal data already masked, as the API logs them.
_EXAMPLE_ONE: dict[str, JsonValue] = {"text": "空调不制冷，外机噪音很大，师傅上门态度还很差，回电[手机号]"}
_EXAMPLE_MANY: dict[str, JsonValue] = {
    "texts": ["冰箱冷藏室结冰，报修三天了还没人联系！", "安装师傅很专业，服务满意，给个好评"],
    "ids": ["F000123", "F000124"], "store": False,
}
_EXAMPLE_EXPLAIN: dict[str, JsonValue] = {"text": "空調不製冷，外機噪音很大", "explain": True, "explain_top_k": 3}


class ClassifyRequest(BaseModel):
    """``text`` or ``texts`` (not both). ``ids`` label the texts and are required to ``store``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE_ONE, _EXAMPLE_MANY,
                                                                            _EXAMPLE_EXPLAIN]})

    text: Text | None = Field(None, description="One text (at most the configured length, 5,000 by default).")
    texts: list[Text] | None = Field(None, min_length=1, description="Several texts (1,000 at most by default).")
    id: FeedbackId | None = Field(None, description="feedback_id of `text` (needed with store).")
    ids: list[FeedbackId] | None = Field(None, min_length=1, description="feedback_ids of `texts`, in order.")
    model: str | None = Field(None, pattern=MODEL_REF_PATTERN, description="NAME or NAME@VERSION (default: active).")
    store: bool = Field(False, description="Store the predictions for the given ids (needs the `ingest` scope too).")
    explain: bool = Field(False, description=f"Also return, per predicted label, the words that drove it "
                          f"(`explanations`; at most {MAX_EXPLAIN_TEXTS} texts per request).")
    explain_top_k: int = Field(DEFAULT_TOP_K, ge=1, le=MAX_TOP_K,
                               description="Words per label in `explanations` (strongest first).")

    def problems(self, *, max_texts: int, max_text_length: int) -> list[dict[str, Any]]:
        """Cross-field and configured-limit problems, as validation details with field paths."""
        out: list[dict[str, Any]] = []

        def bad(loc: list[Any], message: str) -> None:
            out.append({"loc": loc, "path": ".".join(map(str, loc)), "message": message, "type": "value_error"})

        if (self.text is None) == (self.texts is None):
            bad(["body"], "give exactly one of text and texts")
            return out
        if self.text is not None:
            if len(self.text) > max_text_length:
                bad(["body", "text"], f"text has {len(self.text)} characters; the limit is {max_text_length}")
            if self.ids is not None:
                bad(["body", "ids"], "ids goes with texts; use id with text")
            if self.store and self.id is None:
                bad(["body", "id"], "store needs the text's feedback id")
            return out
        texts = self.texts or []
        if len(texts) > max_texts:
            bad(["body", "texts"], f"{len(texts)} texts; the limit is {max_texts} per request")
        elif self.explain and len(texts) > MAX_EXPLAIN_TEXTS:  # occlusion runs the model once per word
            bad(["body", "texts"], f"{len(texts)} texts with explain: true; the limit is {MAX_EXPLAIN_TEXTS} "
                "per request (each word of each text is weighed with its own forward pass)")
        for i, text in enumerate(texts):
            if len(text) > max_text_length:
                bad(["body", "texts", i], f"text has {len(text)} characters; the limit is {max_text_length}")
        if self.id is not None:
            bad(["body", "id"], "id goes with text; use ids with texts")
        if self.ids is not None:
            if len(self.ids) != len(texts):
                bad(["body", "ids"], f"{len(self.ids)} ids for {len(texts)} texts")
            elif len(set(self.ids)) != len(self.ids):
                bad(["body", "ids"], "ids repeat")
        elif self.store:
            bad(["body", "ids"], "store needs one feedback id per text")
        return out

    @property
    def all_texts(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])

    @property
    def all_ids(self) -> list[str] | None:
        if self.text is not None:
            return None if self.id is None else [self.id]
        return self.ids


class LabelNames(BaseModel):
    """The Chinese names (中文名) of the predicted labels, from the model's taxonomy."""

    fault_types: list[str]
    primary_fault: str | None
    sentiment: str | None
    aspects: list[str]


class ExplanationSpan(BaseModel):
    """One word of the text as sent, and how much it pushed a label."""

    start: int = Field(..., ge=0, description="Offset of the word's first character in the text as sent "
                       "(a Python string index: Unicode code points, not UTF-16 units).")
    end: int = Field(..., ge=0, description="Offset just past its last character (`text[start:end]`).")
    text: str = Field(..., description="The word as written in the text sent (traditional, full-width… kept).")
    weight: float = Field(..., description="Signed weight: > 0 pushed the label up. `linear`: the word's share of "
                          "the label's logit; `occlusion`: the drop of the label's probability without the word.")


class ClassifyResult(BaseModel):
    """The classify CLI's fields for one text, plus the labels' Chinese names (and explanations when asked)."""

    id: str | None = Field(None, description="The id given for this text, if any.")
    fault_types: list[str]
    primary_fault: str | None
    sentiment: str | None
    aspects: list[str]
    scores: dict[str, dict[str, float]] = Field(..., description="Per head, {code: probability} (4 decimals).")
    tokens: list[str]
    keywords: list[str]
    names_zh: LabelNames
    explanations: dict[str, list[ExplanationSpan]] | None = Field(
        None, description="Only with explain: true. Per predicted label (`fault:CODE`, `primary:CODE`, "
        "`sentiment:CODE`, `aspect:CODE`), its strongest words, by absolute weight.",
        examples=[{"fault:temperature": [{"start": 2, "end": 5, "text": "不製冷", "weight": 2.25}]}])
    explanation_method: Literal["linear", "occlusion"] | None = Field(
        None, description="Only with explain: true. `linear`: exact contributions of the TF-IDF baseline; "
        "`occlusion`: each word removed in turn (transformer models, blended or not).")


class ClassifyResponse(BaseModel):
    model: str = Field(..., examples=["baseline@v1"], description="name@version of the model that answered.")
    results: list[ClassifyResult] = Field(..., description="One per text, in request order.")
    stored: int | None = Field(None, description="Predictions written (only with store: true).")

"""Sub-themes: clusters of similar complaints inside one fault type, named by their keywords.

Method (deterministic for a given sample and seed): the texts' keyword bags (see
:mod:`feedback_nlp.themes.keywords`) become TF-IDF vectors (words in at least
:data:`MIN_WORD_TEXTS` texts); k-means with ``k`` in ``2..max_k`` runs on at most
``max_texts`` of them, and the ``k`` with the best cosine silhouette wins. No
sub-themes are reported when the theme has too few texts or no ``k`` reaches
:data:`MIN_SILHOUETTE` (the texts do not fall into groups). Each cluster is named
by its most distinctive words against the theme's other clusters, and its share is
projected onto the theme's count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from feedback_nlp.text import mask_personal_data
from feedback_nlp.themes.keywords import Keyword, rank_keywords

#: Fewest texts worth clustering.
MIN_TEXTS = 30
#: A word must occur in this many clustered texts to count.
MIN_WORD_TEXTS = 3
#: Below this best silhouette the theme is reported without sub-themes.
MIN_SILHOUETTE = 0.05
#: A cluster smaller than this share of the clustered texts is dropped.
MIN_CLUSTER_SHARE = 0.03
#: Longest example text shown (characters); longer ones are cut with an ellipsis.
EXAMPLE_CHARS = 160


def example_text(text: str) -> str:
    """A text fit to show: personal data masked, cut to :data:`EXAMPLE_CHARS`."""
    masked = mask_personal_data(str(text)).strip()
    return masked if len(masked) <= EXAMPLE_CHARS else masked[: EXAMPLE_CHARS - 1] + "…"


@dataclass
class SubTheme:
    """One cluster of a theme: ``share`` of its clustered texts, ``count`` projected onto the theme."""

    name: str
    keywords: list[Keyword]
    share: float
    count: int
    n_sampled: int
    examples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["keywords"] = [k.to_dict() for k in self.keywords]
        return out


def _identity(bag: Sequence[str]) -> Sequence[str]:
    """Analyzer for pre-tokenised bags (a named function: lambdas do not pickle)."""
    return bag


def preload() -> None:
    """Import the clustering modules now rather than in the first request that needs them.

    scikit-learn's k-means and silhouette take 1–2 s of CPU to import; a server calls this at
    start-up so the first ``/v1/themes/top`` (the dashboard's first render) does not pay it.
    """
    import sklearn.cluster  # noqa: F401
    import sklearn.feature_extraction.text  # noqa: F401
    import sklearn.metrics  # noqa: F401


def find_sub_themes(bags: Sequence[Sequence[str]], texts: Sequence[str], *, theme_count: int, max_k: int = 5,
                    max_texts: int = 400, n_keywords: int = 3, seed: int = 0) -> list[SubTheme]:
    """Cluster one theme's sampled texts; largest sub-theme first.

    Args:
        bags: cleaned keyword bag per text, in the sample's (deterministic) order.
        texts: the raw text of each bag (same order); examples are masked here.
        theme_count: the theme's mention count, to project each cluster's share onto.
        max_k: most clusters tried.
        max_texts: texts clustered (the first ones of the sample).
        n_keywords: keywords naming each sub-theme.
        seed: k-means seed.
    """
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import silhouette_score

    keep = [i for i, bag in enumerate(bags[:max_texts]) if bag]
    if len(keep) < MIN_TEXTS:
        return []
    vectorizer = TfidfVectorizer(analyzer=_identity, min_df=MIN_WORD_TEXTS, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform([bags[i] for i in keep])
    except ValueError:  # no word occurs often enough
        return []
    rows = np.flatnonzero(matrix.getnnz(axis=1) > 0)
    if len(rows) < MIN_TEXTS:
        return []
    matrix = matrix[rows]
    keep = [keep[i] for i in rows]
    # More clusters than distinct bags only splits identical texts (and makes k-means warn).
    n_distinct = len({tuple(sorted(set(bags[i]))) for i in keep})
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for k in range(2, min(max_k, n_distinct) + 1):
        if k >= len(keep):
            break
        model = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(matrix)
        labels = model.labels_
        if len(set(labels.tolist())) < 2:
            continue
        score = float(silhouette_score(matrix, labels, metric="cosine"))
        if best is None or score > best[0] + 1e-9:
            best = (score, labels, model.transform(matrix))
    if best is None or best[0] < MIN_SILHOUETTE:
        return []
    _, labels, distances = best
    n = len(keep)
    groups = {int(c): [keep[j] for j in np.flatnonzero(labels == c)] for c in np.unique(labels)}
    names = rank_keywords({c: [bags[i] for i in members] for c, members in groups.items()}, top_k=n_keywords)
    out: list[SubTheme] = []
    for c, members in groups.items():
        share = len(members) / n
        if share < MIN_CLUSTER_SHARE or not names[c]:
            continue
        # The example closest to the cluster centre represents it best.
        local = np.flatnonzero(labels == c)
        centre = local[int(np.argmin(distances[local, c]))]
        out.append(SubTheme(
            name="、".join(k.word for k in names[c]), keywords=names[c], share=round(share, 4),
            count=int(round(share * theme_count)), n_sampled=len(members), examples=[example_text(texts[keep[centre]])],
        ))  # fmt: skip
    out.sort(key=lambda s: (-s.n_sampled, s.name))
    return out

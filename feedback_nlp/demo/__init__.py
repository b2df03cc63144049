"""Demo data for feedback_nlp.

- :mod:`.catalog` — product lines, models, per-line fault mix and prices;
- :mod:`.phrases`, :mod:`.phrases_faults` — the phrase banks the texts are made of;
- :mod:`.banks` — the label vocabulary, and the banks parsed into pools per product line;
- :mod:`.datafiles` — reads ``data/*.yaml``, where the catalogue and the banks live as data;
- :mod:`.text` — the labelled Chinese text generator (complaints, reviews, follow-up notes);
- :mod:`.tables` — coherent tickets, feedback, follow-ups and orders with planted patterns;
- :mod:`.writer` — those tables as the files a user would export, plus a dirty set.

Import the submodules directly; importing this package loads nothing heavy.
"""

__all__: list[str] = []

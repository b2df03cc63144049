"""``python -m feedback_nlp.cli`` is ``feedback-nlp``."""

from feedback_nlp.cli import main

main()

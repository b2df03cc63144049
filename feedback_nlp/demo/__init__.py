"""Demo data for feedback_nlp: the product catalogue (:mod:`.catalog`) and the labelled
Chinese text generator (:mod:`.text`). Import the submodules directly; importing this
package loads nothing heavy."""

__all__: list[str] = []

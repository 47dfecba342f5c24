"""Problems with what a user typed, as data: a code and its parameters, never a sentence.

The UI words a Problem in the user's language (ui.i18n.word); the CLI in English
(Problem.english). The English templates below are also the translation catalogue's msgids:
N_ only marks them for extraction (Babel keyword N_) and returns them unchanged, so core needs
no translation machinery. Placeholders are named, so a translation can reorder them.
"""

from __future__ import annotations

from typing import NamedTuple


def N_(message):
    """Mark a message for the catalogue without translating it here (gettext_noop)."""
    return message


MESSAGES = {
    "choice": N_("{key} must be one of {choices}; got {text}"),
    "floats_parse": N_("{key} must be comma-separated numbers; got {text}"),
    "floats_count": N_("{key} must have 1 to {max} numbers; got {count}"),
    "floats_range": N_("each entry of {key} must be a number in {range}; got {text}"),
    "number": N_("{key} must be a number in {range}; got {text}"),
    "finite": N_("{key} must be a finite number in {range}; got {text}"),
    "whole": N_("{key} must be a whole number in {range}; got {text}"),
    "range": N_("{key} must be in {range}; got {text}"),
    "batch_over_n": N_("batch_size {batch_size} is more than n = {n} examples — using {n} "
                       "(full-batch gradient descent)."),
    "too_many_steps": N_("{epochs} epochs of {per_epoch} steps is more than {max_steps} steps — "
                         "using {fixed} epochs."),
}
# a value that could not be used as given, and what is used instead
USING = N_("{problem} — using {value}.")


class Problem(NamedTuple):
    """code: a key of MESSAGES; params: its placeholders' values (numbers, names, repr'd text);
    using: the text of the value used instead, when one was (a URL value clamped or defaulted)."""

    code: str
    params: dict
    using: str | None = None

    def words(self, translate=lambda message: message):
        """The problem as a sentence; translate maps an English template to the user's."""
        text = translate(MESSAGES[self.code]).format(**self.params)
        if self.using is not None:
            text = translate(USING).format(problem=text, value=self.using)
        return text

    def english(self):
        return self.words()

    def __str__(self):
        return self.english()


class SettingError(ValueError):
    """A value that does not parse; .problem holds it as data, str() is the English sentence."""

    def __init__(self, problem: Problem):
        super().__init__(problem.english())
        self.problem = problem

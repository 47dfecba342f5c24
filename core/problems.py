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


# your own data (core.userdata): an uploaded file refused, or what was assumed while reading
# it and choosing X and y. "text" is the file's own text (column names, repr'd and joined).
MESSAGES.update({
    # refusals (DataError)
    "file_too_big": N_("The file is {size_mb} MB; files up to {limit_mb} MB can be read."),
    "file_empty": N_("The file is empty."),
    "spreadsheet_file": N_("This is a spreadsheet workbook (.xlsx, .ods or .xls), not a text table: "
                           "save the sheet as CSV and upload that."),
    "not_text": N_("This is not a text table (binary data at byte {offset}): upload a CSV or "
                   "tab-separated file."),
    "too_many_rows": N_("The file has {rows} rows; at most {limit} can be read."),
    "too_many_columns": N_("The file has {columns} columns; at most {limit} can be read."),
    "header_only": N_("The file has a header of {columns} columns but no rows of data."),
    "too_many_cells": N_("The file has {rows} rows of {columns} columns, {cells} cells (empty ones "
                         "count too); at most {limit} cells can be read ({limit_mb} MB of numbers)."),
    "too_many_rows_cr": N_("Read as spreadsheets read it, with each of its {count} lone carriage "
                           "returns (CR) as a line end, the file has {rows} rows; at most "
                           "{limit} rows and {cells_limit} cells can be read. Save it again as CSV "
                           "from a spreadsheet program."),
    "line_too_long": N_("Line {line} is {size_kb} KB long; lines up to {limit_kb} KB can be read. "
                        "Is this a table with one row per line?"),
    "field_too_long": N_("A quoted field starting on line {line} is longer than {limit} characters, "
                         "the most that can be read in one cell."),
    "unclosed_quote": N_("The quote (\") that opens a field on line {line} is never closed, so the "
                         "rest of the file would be one cell: add the closing quote or remove it."),
    "unreadable": N_("The file cannot be read as a table: its quotes (\") and separators do not "
                     "line up. Save it again as CSV from a spreadsheet program."),
    "bad_encoding": N_("The file starts with a {encoding} byte order mark but is not valid "
                       "{encoding} (byte {offset}): save it again as UTF-8."),
    "too_few_rows": N_("{rows} rows are not enough to fit {features} features: at least {needed} "
                       "are needed, and many more for a meaningful fit."),
    "too_few_numeric_columns": N_("The file has {count} columns of numbers; at least {needed} are "
                                  "needed (features and a target). Not numbers: {text}."),
    "no_features": N_("Choose at least 1 feature (at most {max})."),
    "too_many_features": N_("{count} features chosen; at most {max} can be used."),
    "unknown_column": N_("There is no column {text} in the file."),
    "not_numeric": N_("The column {text} does not hold numbers, so it cannot be a feature or the target."),
    "target_is_feature": N_("The target {text} cannot also be a feature."),
    "not_finite": N_("The column {text} has {count} infinite values; remove them or leave those "
                     "cells empty."),
    "too_large": N_("The column {text} has values up to {value}, beyond {bound}; rescale it."),
    "needs_standardising": N_("The feature {text} has values up to {value}, beyond {bound}: "
                              "standardise the features to use it."),
    # notices (Table.notices, Choice.notices)
    "lone_cr": N_("{count} lines ended in a lone carriage return (CR); they were read as line "
                  "ends, as spreadsheets read them."),
    "encoding_guessed": N_("The file is not UTF-8; it was read as {encoding}. Check that "
                           "accented letters look right."),
    "decimal_comma": N_("Numbers were read with a decimal comma (1,5 = 1.5)."),
    "thousands_separator": N_("“{mark}” was read as a thousands separator in numbers."),
    "no_header": N_("The file has no header row: its {columns} columns are named column 1, column 2, …."),
    "unnamed_columns": N_("{count} columns had no name in the header and are named by their position."),
    "rows_skipped": N_("{count} rows had more than {expected} fields and were skipped (the first on "
                       "line {line})."),
    "rows_padded": N_("{count} rows had fewer than {expected} fields; the missing cells are empty "
                      "(the first on line {line})."),
    "empty_columns": N_("{count} empty columns were left out: {text}."),
    "duplicate_names": N_("{count} column names appear more than once ({text}); the repeats are "
                          "numbered: \"x (2)\", \"x (3)\" …."),
    "non_numeric_cells": N_("The column {text} has {count} cells that are not numbers; they count "
                            "as missing."),
    "text_columns": N_("{count} columns do not hold numbers and cannot be used: {text}."),
    "rows_dropped": N_("{count} of {total} rows have a missing value in {text} and were left out."),
    "constant_feature": N_("The feature {text} has the same value in every row: the model cannot "
                           "tell its weight from the bias, so the least-squares optimum is not unique."),
    "collinear_features": N_("The features are linearly dependent (rank {rank} of {count}): the "
                             "least-squares optimum is not unique."),
    "ill_conditioned": N_("The features' scales differ a lot (condition number {kappa}): SGD will "
                          "creep along the valley; standardising the features helps."),
    "few_rows": N_("Only {rows} rows for {features} features: the fit follows the noise; "
                   "{advised} rows or more are advised."),
})

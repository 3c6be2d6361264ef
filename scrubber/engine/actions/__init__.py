"""One module per kind of action; each exposes ``apply(rule, visits, recorder)``.

``visits`` are the visits of one patient and date of service to which the rule's block applies,
in export order, so that ``per day`` and pair edits see every line of the day.
"""

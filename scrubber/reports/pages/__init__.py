"""The HTML reports (balance, reconcile, worklist): one self-contained file each, read at a glance
by a billing manager and printed for the month's binder. One module per page, and the skeleton
they share (``skeleton``: the page, its style sheet for screen and print, cards, charts,
tables)."""

from scrubber.reports.pages.balance import balance_page
from scrubber.reports.pages.reconcile import reconcile_page
from scrubber.reports.pages.worklist import worklist_page

__all__ = ["balance_page", "reconcile_page", "worklist_page"]

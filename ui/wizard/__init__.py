"""The request wizard, built at run time from a form definition (`RequestWizard`)."""

from ui.wizard.wizard import REVIEW_ID, START_ID, RequestWizard

__all__ = ["REVIEW_ID", "START_ID", "RequestWizard"]

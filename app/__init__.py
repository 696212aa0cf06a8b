"""The core of the Certificate of Coverage request workstation. No Qt here (a test enforces it)."""

__version__ = "0.1.0"

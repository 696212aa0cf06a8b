"""First sizes for the splitters of the wizard's pages, applied when a page is first shown (a saved position wins).

Setting sizes costs a layout pass; done at build time for every page it would double the time a form takes to open.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QSplitter

_PENDING = "coc_initial_sizes"


def first_sizes(splitter: QSplitter, sizes: list[int]) -> None:
    """Give `splitter` these sizes when it is first shown, unless a saved position was restored before then."""
    splitter.setProperty(_PENDING, sizes)


def restored(splitter: QSplitter) -> None:
    """A saved position was applied: the first sizes are not needed."""
    splitter.setProperty(_PENDING, None)


def apply_pending(owner: QObject) -> None:
    """From a page's showEvent: apply the first sizes of its splitters that still wait for them."""
    for splitter in owner.findChildren(QSplitter):
        sizes = splitter.property(_PENDING)
        if isinstance(sizes, list) and sizes:
            splitter.setSizes([int(s) for s in sizes])
            splitter.setProperty(_PENDING, None)

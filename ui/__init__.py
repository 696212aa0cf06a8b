"""The PySide6 application (Qt widgets only); the rules live in `app`."""

from ui.qtcompat import keep_none_alive

keep_none_alive()

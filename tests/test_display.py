"""Before Qt loads, `coc gui` checks that a window can open: a missing system library of Qt's platform plugin is named
with the Debian package to install (never Qt's "could not load the Qt platform plugin" abort), and so is a missing
display. The ldd output below is what Debian 12 printed for PySide6 6.12's xcb plugin before libxcb-icccm4 and
libxcb-keysyms1 were installed (the machine this was written on)."""

from __future__ import annotations

import gc
import re
import sys
from pathlib import Path

import pytest

from app import display
from app.cli import main
from tests.conftest import REPO

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux display check")

LDD_MISSING = """\
\tlinux-vdso.so.1 (0x00007f7a0cd29000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x00007f7a0cc5b000)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f7a0cb71000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007f7a0cb69000)
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f7a0ae1e000)
"""
LDD_COMPLETE = "\tlibxcb-icccm.so.4 => /lib/x86_64-linux-gnu/libxcb-icccm.so.4 (0x00007f2)\n"
DESKTOP = {"DISPLAY": ":0"}


def ldd(output: str) -> display.Runner:
    return lambda _args: output


def test_missing_libraries_are_named_with_their_debian_packages() -> None:
    with pytest.raises(display.DisplayProblem) as caught:
        display.check_display(DESKTOP, ldd(LDD_MISSING))
    text = caught.value.user_text
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in text
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in text
    assert "could not load" not in text.lower()
    assert caught.value.exit_code == 3


def test_a_complete_plugin_passes_and_the_real_one_here_is_complete() -> None:
    assert display.check_display(DESKTOP, ldd(LDD_COMPLETE)) is None
    plugin = display.plugin_path("xcb")
    assert plugin is not None and plugin.is_file()
    assert display.missing_libraries(plugin) == []  # `make system-deps` installed them all


def test_no_display_is_said_plainly() -> None:
    with pytest.raises(display.DisplayProblem, match="no display"):
        display.check_display({}, ldd(LDD_COMPLETE))
    assert display.check_display({"QT_QPA_PLATFORM": "offscreen"}, ldd(LDD_COMPLETE)) is None


def test_on_wayland_a_broken_xcb_is_no_reason_to_stop_and_a_broken_wayland_falls_back_to_xcb() -> None:
    session = {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}

    def only_broken(name: str) -> display.Runner:
        return lambda args: LDD_MISSING if f"libq{name}.so" in args[-1] else LDD_COMPLETE

    assert display.check_display(session, only_broken("xcb")) is None
    assert display.check_display(session, only_broken("wayland")) == "xcb"


def test_coc_gui_stops_with_the_message_before_loading_qt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(display, "_start_ldd", lambda _args: lambda: LDD_MISSING)
    loaded = set(sys.modules)
    assert main(["gui"]) == 3
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in capsys.readouterr().err
    assert not {m for m in set(sys.modules) - loaded if m.startswith(("PySide6", "ui"))}
    assert gc.isenabled()  # off only while a start imports and builds: on again when the start ends early


def test_the_makefile_installs_every_xcb_package_and_the_readme_names_them() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    listed = re.search(r"XCB_PACKAGES :=(.*?)\nSYSTEM_PACKAGES", makefile, re.S)
    assert listed is not None
    installed = set(listed.group(1).replace("\\", " ").split())
    plugin = display.plugin_path("xcb")
    assert plugin is not None
    needed = {display.PACKAGES[lib] for lib in linked_system_libraries(plugin)}
    assert needed - {"libglib2.0-0"} <= installed  # GLib comes with Qt's core, which runs offscreen already
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for package in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "xvfb"):
        assert package in readme


def linked_system_libraries(plugin: Path) -> set[str]:
    """Every library outside the PySide6 wheel that the plugin loads, known to the table of packages."""
    import subprocess

    output = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=True).stdout
    names = {line.split("=>")[0].strip() for line in output.splitlines() if "=>" in line}
    return {n for n in names if n in display.PACKAGES}

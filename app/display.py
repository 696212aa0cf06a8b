"""Can Qt open a window here? Asked before Qt loads, so that a missing system library gets a message naming the
Debian packages to install, instead of Qt's abort ("Could not load the Qt platform plugin "xcb"").

Qt's platform plugins are shared libraries that need system libraries PySide6's wheels do not ship (on a fresh
Debian or Ubuntu desktop, `libxcb-cursor0`, `libxcb-icccm4`, `libxcb-keysyms1` and friends are often missing).
`ldd` on the plugin Qt is about to load lists every library the dynamic loader cannot find; `PACKAGES` maps each
to the Debian package that provides it. No Qt is imported here (`app/` never loads Qt).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from app.errors import UserError

# What PySide6 6.12's xcb and wayland plugins link against outside the wheel (from `ldd libqxcb.so` and
# `ldd libqwayland.so` on Debian 12), and the Debian/Ubuntu package of each. The Makefile installs the xcb ones.
PACKAGES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}
NO_DISPLAY_HINT = (
    "Start it from a desktop session. On a machine without a screen, run it under a virtual X server "
    "(xvfb-run coc gui), or set QT_QPA_PLATFORM=offscreen for a check without a window."
)

Runner = Callable[[list[str]], str]


class DisplayProblem(UserError):
    """The window cannot open: no display, or a system library that Qt's platform plugin needs is missing."""

    exit_code = 3


def _ldd(args: list[str]) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    return result.stdout


def _start_ldd(args: list[str]) -> Callable[[], str]:
    """Start `ldd` now; its output when the returned function is called (the launch imports meanwhile)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def output() -> str:
        try:
            out, _err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return ""
        return out

    return output


def plugin_path(platform: str) -> Path | None:
    """PySide6's platform plugin `libq<platform>.so`, found without importing PySide6."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "Qt" / "plugins" / "platforms" / f"libq{platform}.so"
        if path.is_file():
            return path
    return None


def missing_libraries(plugin: Path, run: Runner | None = None) -> list[str]:
    """The libraries `plugin` needs that the dynamic loader cannot find (none known when `ldd` is absent)."""
    return _start_missing(plugin, run)()


def _start_missing(plugin: Path, run: Runner | None) -> Callable[[], list[str]]:
    ldd = shutil.which("ldd")
    if ldd is None:
        return list
    args = [ldd, str(plugin)]
    output: Callable[[], str]
    try:
        output = functools.partial(run, args) if run is not None else _start_ldd(args)
    except (OSError, subprocess.SubprocessError):
        return list

    def missing() -> list[str]:
        try:
            text = output()
        except (OSError, subprocess.SubprocessError):
            return []
        found: list[str] = []
        for line in text.splitlines():
            name, _, where = line.strip().partition("=>")
            if where.strip() == "not found" and name.strip() not in found:
                found.append(name.strip())
        return found

    return missing


def packages_for(libraries: list[str]) -> list[str]:
    """The Debian packages providing `libraries` (a library not in the table is named as it is)."""
    out: list[str] = []
    for name in libraries:
        package = PACKAGES.get(name, name)
        if package not in out:
            out.append(package)
    return out


def _platforms(environ: Mapping[str, str]) -> list[str]:
    """The platform plugins Qt will try, in order (`QT_QPA_PLATFORM` may list several, with options)."""
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return [entry.split(":", 1)[0].strip() for entry in chosen.split(";") if entry.strip()]
    wayland = bool(environ.get("WAYLAND_DISPLAY")) or environ.get("XDG_SESSION_TYPE") == "wayland"
    x11 = bool(environ.get("DISPLAY"))
    return [name for name, on in (("wayland", wayland), ("xcb", x11)) if on] or ["xcb"]


def check_display(environ: Mapping[str, str] | None = None, run: Runner | None = None) -> str | None:
    """Raise `DisplayProblem` when no window can open; return the platform to ask Qt for when Qt's own first
    choice would fail while another works (None: leave Qt's choice alone). Linux only; elsewhere nothing to say."""
    return start_check(environ, run)()


def start_check(
    environ: Mapping[str, str] | None = None, run: Runner | None = None
) -> Callable[[], str | None]:
    """`check_display` in two steps: what needs no waiting at once (no display at all raises here), and `ldd` on the
    platform plugins started in the background; the returned function waits for it and judges (raising
    `DisplayProblem` too). A launch imports its code meanwhile, on the other core."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return lambda: None
    platforms = _platforms(env)
    explicit = bool(env.get("QT_QPA_PLATFORM", "").strip())
    if not explicit and not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        raise DisplayProblem(
            "There is no display to open the window on (DISPLAY is not set).", NO_DISPLAY_HINT
        )
    checks: list[tuple[str, Callable[[], list[str]]]] = []
    for platform in platforms:
        plugin = plugin_path(platform)
        # None: not a plugin of this PySide6 (Qt says so itself), or no PySide6: not ours
        if plugin is not None:
            checks.append((platform, _start_missing(plugin, run)))

    def judge() -> str | None:
        problems: list[tuple[str, list[str]]] = []
        for platform, check in checks:
            missing = check()
            if not missing:
                return None if not problems else platform
            problems.append((platform, missing))
        if not problems:
            return None
        platform, missing = problems[0]
        packages = packages_for(sorted({lib for _p, libs in problems for lib in libs}, key=str.lower))
        raise DisplayProblem(
            f"The window cannot open: Qt's {platform} display support needs system libraries that are missing "
            f"({', '.join(missing)}).",
            f"Install them with: sudo apt-get install {' '.join(packages)} (then start the application again).",
        )

    return judge

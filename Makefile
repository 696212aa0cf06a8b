# One place for set-up: every target installs what it needs into a local .venv by itself.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Debian packages: poppler-utils (the tests read PDFs as PNGs), Xvfb and xauth (a real X server for the GUI runs),
# and what PySide6 6.12's xcb platform plugin links against (`ldd libqxcb.so`; app/display.py names the missing ones
# when the window cannot open).
XCB_PACKAGES := libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-util1 \
	libxcb-randr0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-render0 libxcb-xkb1 libxcb1 \
	libx11-xcb1 libx11-6 libxkbcommon0 libxkbcommon-x11-0 libegl1 libgl1 libglx0 libfontconfig1 libfreetype6 \
	libdbus-1-3
SYSTEM_PACKAGES := poppler-utils xvfb xauth $(XCB_PACKAGES)
# The GUI runs on a real X server: Xvfb at the smallest screen the application supports, and a common laptop
# screen at 125% scaling.
XVFB := xvfb-run -a -s
SMALL_SCREEN := "-screen 0 1024x640x24"
LAPTOP_SCREEN := "-screen 0 1366x768x24"

.PHONY: run test quick check lint typecheck pytest gui-x11 system-deps bench build build-check clean

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PY=python3.11)")'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $(STAMP)

## run: open the application on this desktop, with the reference intake service on loopback (installs everything
##      first); it prints what it started and how to stop it. ARGS="..." runs that coc command instead
run: $(STAMP)
ifeq ($(strip $(ARGS)),)
	@$(BIN)/python -m intake app
else
	@$(BIN)/coc $(ARGS)
endif

## system-deps: the Debian packages above (installed when run as root, otherwise named)
system-deps:
	@missing="$$(for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null | grep -qx installed || echo $$p; done)"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing:" $$missing; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "Please install:" $$missing "(sudo apt-get install" $$missing")"; exit 1; fi; fi

## test: everything CI runs: lint, format check, type check, the whole test suite (offscreen, the slow tests too),
##       the GUI on a real X server, the packaged build's check. Every part runs even when one before it fails (a
##       failing test never hides the packaged build's result); the last lines name each part's result, and the
##       exit status is 1 when any failed.
TEST_PARTS := lint typecheck pytest gui-x11 build-check
test: $(STAMP) system-deps
	@failed=""; passed=""; \
	for part in $(TEST_PARTS); do \
	  if $(MAKE) --no-print-directory $$part; then passed="$$passed $$part"; else failed="$$failed $$part"; fi; \
	done; \
	echo "make test: passed:$${passed:- none}"; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed"; exit 1; fi

## quick: the developers' loop: lint, then the tests not marked slow, stopping at the first failure (make test runs
##        everything; PYTEST_ARGS="tests/store" narrows it further)
quick: $(STAMP)
	$(BIN)/ruff check .
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q -x -m "not slow" $(PYTEST_ARGS)

check: $(STAMP) system-deps lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest $(PYTEST_ARGS)

## gui-x11: on Xvfb with Qt's xcb platform: the end-to-end GUI test, the start/stop tests, and the tests of what
##          keys do (focus moves as a real window system moves it), then the smoke run with every screen's
##          screenshot at 1024x640, and at 1366x768 with 125% scaling
X11_TESTS := tests/gui/test_end_to_end.py tests/gui/test_desktop_run.py tests/gui/test_wizard_keys.py \
	tests/gui/test_pickers.py
gui-x11: $(STAMP) system-deps
	$(XVFB) $(SMALL_SCREEN) env QT_QPA_PLATFORM=xcb $(BIN)/pytest -q $(X11_TESTS)
	$(XVFB) $(SMALL_SCREEN) env QT_QPA_PLATFORM=xcb PYTHONFAULTHANDLER=1 $(BIN)/coc gui --smoke --screenshots build/screenshots/1024x640
	$(XVFB) $(LAPTOP_SCREEN) env QT_QPA_PLATFORM=xcb QT_SCALE_FACTOR=1.25 PYTHONFAULTHANDLER=1 $(BIN)/coc gui --smoke \
	  --screenshots build/screenshots/1366x768-125

## build: the desktop application as one folder (build/dist/coc) with PyInstaller
build: $(STAMP)
	$(BIN)/pip install -q -e '.[build]'
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath build/dist --workpath build/work build.spec

## build-check: the built program checks its definitions, validates and prints a request, starts its GUI offscreen,
##              and carries its third-party notices
build-check: build
	build/dist/coc/coc forms check
	build/dist/coc/coc new de-employee --example > build/example.json
	build/dist/coc/coc validate build/example.json
	build/dist/coc/coc print build/example.json -o build/example.pdf --force
	QT_QPA_PLATFORM=offscreen:configfile=tests/gui/screens/small.json build/dist/coc/coc gui --smoke
	build/dist/coc/coc notices | grep -q 'SQLCipher'  # the third-party notices are in the build

## bench: every benchmark, one table of results and ratios
bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist

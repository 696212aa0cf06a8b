# One place for set-up: every target installs what it needs into a local .venv by itself.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run test check lint typecheck pytest system-deps bench build build-check clean

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PY=python3.11)")'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $(STAMP)

## run: start the application with the reference intake service on loopback (installs everything first);
##      ARGS="..." runs that coc command instead
run: $(STAMP)
ifeq ($(strip $(ARGS)),)
	$(BIN)/python -m intake app
else
	$(BIN)/coc $(ARGS)
endif

## system-deps: Debian packages the tests use (poppler-utils renders PDFs to PNG)
system-deps:
	@command -v pdftoppm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	  else echo "Please install poppler-utils (sudo apt-get install poppler-utils)"; exit 1; fi; }

## test: everything CI runs: lint, format check, type check, the whole test suite, the packaged build's check
test: check build-check

check: $(STAMP) system-deps lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

## build: the desktop application as one folder (build/dist/coc) with PyInstaller
build: $(STAMP)
	$(BIN)/pip install -q -e '.[build]'
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath build/dist --workpath build/work build.spec

## build-check: the built program checks its definitions, validates and prints a request, starts its GUI offscreen
build-check: build
	build/dist/coc/coc forms check
	build/dist/coc/coc new de-employee --example > build/example.json
	build/dist/coc/coc validate build/example.json
	build/dist/coc/coc print build/example.json -o build/example.pdf --force
	build/dist/coc/coc gui --smoke

## bench: every benchmark, one table of results and ratios
bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist

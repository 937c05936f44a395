# deepnrc — common tasks. `make test` is the project's test command (CI runs it).
GO ?= go
SCALE ?= quick

.PHONY: all build test unit test-paths fuzz lint notebooks kernel deps bench reproduce clean

all: build

build:
	$(GO) build ./...

## test: everything CI checks: formatting, vet, unit tests, the checks with
## every GEMM path forced, a bounded fuzzing run of every input parser, then
## every notebook executed headless (needs Jupyter from Debian; `make deps`
## installs it).
test: deps lint unit test-paths fuzz notebooks

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
FUZZTIME ?= 15s
FUZZ_TARGETS = ./nrclib/npy:FuzzParseHeaderDict ./nrclib/npy:FuzzReader \
	./nrclib/measure:FuzzCSVRows ./internal/numcsv:FuzzRead
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; echo "fuzz $$pkg $$fn for $(FUZZTIME)"; \
	  $(GO) test $$pkg -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -parallel 2 || exit 1; \
	done

## notebooks: install the kernel into ./.jupyter and execute every notebook
## (SCALE=quick by default; CI may use SCALE=smoke).
notebooks: kernel
	JUPYTER_DATA_DIR=$(CURDIR)/.jupyter $(GO) run ./cmd/deepnrc notebooks strip --check
	JUPYTER_DATA_DIR=$(CURDIR)/.jupyter $(GO) run ./cmd/deepnrc notebooks run --scale $(SCALE) --out notebooks-out
	$(GO) run ./notebooks/exercises/gen -verify notebooks-out/exercises

kernel:
	JUPYTER_DATA_DIR=$(CURDIR)/.jupyter $(GO) run ./kernel install

## deps: install the Debian packages the tests and notebooks need (root or sudo).
deps:
	./scripts/install-deps.sh

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./nrclib/...

reproduce:
	$(GO) run ./cmd/deepnrc reproduce --scale $(SCALE)

clean:
	rm -rf notebooks-out reproduce-out .jupyter

# deepnrc — common tasks. `make test` is the project's test command (CI runs it).
GO ?= go
SCALE ?= quick

.PHONY: all build test unit lint test-mujoco notebooks kernel deps bench reproduce clean

all: build

build:
	$(GO) build ./...

## test: everything CI checks: formatting, vet, unit tests, then every notebook
## executed headless (needs Jupyter from Debian; `make deps` installs it).
test: deps lint unit test-mujoco notebooks

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

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
	rm -rf notebooks-out reproduce-out .jupyter .mujoco-check

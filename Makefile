# BookMyEvent. `make run` starts the whole system locally; `make test` runs every test.
# Both install what they lack (a Python virtualenv with moto under .local/) on first use.

GO       ?= go
SHELL    := /bin/bash
LOCAL    := $(GO) run ./cmd/local

.PHONY: run test lint invoke clean tools

run: ## start the whole system on 127.0.0.1 (API on :3000); Ctrl-C stops it all
	$(LOCAL) run

test: ## unit, integration (against moto) and end-to-end tests
	$(LOCAL) exec -- $(GO) test -count=1 -parallel 4 -timeout 30m ./...

lint: tools ## gofmt, go vet, staticcheck, go mod tidy check, cfn-lint, sam validate --lint, sam build
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	.local/bin/staticcheck ./...
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod/go.sum not tidy: run go mod tidy"; exit 1; }
	$(TOOLS)/cfn-lint template.yaml infra/*.yaml
	$(SAM) validate --lint --region us-east-1
	$(SAM) build --parallel --no-cached --build-in-source --build-dir .aws-sam/build

# sam and cfn-lint get their own virtualenv: their pinned dependencies clash with moto's.
# sam build runs --no-cached: the cache hashes every file under CodeUri (.), .local included,
# which takes minutes and fails when a running test deletes one of them; go build caches anyway.
TOOLS := .local/tools-venv/bin
SAM   := SAM_CLI_TELEMETRY=0 $(TOOLS)/sam

invoke: ## run one function once: make invoke FN=GetEventFunction EVENT=events/get-event.json
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<LogicalId> EVENT=events/<file>.json"; exit 2; }
	$(LOCAL) invoke $(FN) $(EVENT)

tools:
	@test -x .local/bin/staticcheck || GOBIN=$(CURDIR)/.local/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	@test -x $(TOOLS)/sam || { python3 -m venv .local/tools-venv && $(TOOLS)/pip install -q 'aws-sam-cli==1.170.0' 'cfn-lint==1.58.0'; }

clean:
	rm -rf .aws-sam bin

# sam build (BuildMethod: makefile) calls build-<LogicalId> with ARTIFACTS_DIR set. One
# pattern rule serves every function: CreateVenueFunction builds ./functions/create-venue.
build-%:
	@fn=$$(echo '$*' | sed -E 's/Function$$//; s/([a-z0-9])([A-Z])/\1-\2/g' | tr 'A-Z' 'a-z'); \
	test -d functions/$$fn || { echo "no functions/$$fn for $*"; exit 1; }; \
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' \
		-o $(ARTIFACTS_DIR)/bootstrap ./functions/$$fn

# BookMyEvent. `make run` starts the whole system locally; `make test` runs every test.
# Both install what they lack (a Python virtualenv with moto under .local/) on first use.

GO       ?= go
SHELL    := /bin/bash
LOCAL    := $(GO) run ./cmd/local

.PHONY: run test lint invoke clean tools web chromium deploy-web

run: web ## start the whole system on 127.0.0.1 (site and API on :3000); Ctrl-C stops it all
	$(LOCAL) run

test: web chromium ## unit, integration (against moto), end-to-end and browser tests
	$(LOCAL) exec -- $(GO) test -count=1 -parallel 4 -timeout 30m ./...

# The web app (web/): npm ci from the committed lockfile when it changed, vite build when
# anything under web/ did. The local gateway serves web/dist; deploy-web uploads it.
WEB_SRC := $(shell find web -path web/node_modules -prune -o -path web/dist -prune -o -type f -print 2>/dev/null)

web: web/dist/index.html ## build the web app into web/dist

web/node_modules/.ci-stamp: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

web/dist/index.html: web/node_modules/.ci-stamp $(WEB_SRC)
	cd web && npm run build

# The browser tests drive Debian's chromium; install it when missing.
chromium:
	@test -x /usr/bin/chromium || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

# Upload the site to the stack's bucket: hashed assets cached for a year, index.html and
# config.json never, config.json written from the stack's outputs; then invalidate the
# two uncached names. Old hashed assets stay: a page loaded before the deploy still finds
# its chunks. STACK defaults to samconfig's stack name. Stripe's publishable key (not a
# secret: every buyer's browser gets it) comes from STRIPE_PUBLISHABLE_KEY or else the SSM
# parameter $(STRIPE_PK_PARAM); without either the pay step offers the test methods.
STACK ?= $(shell sed -n 's/^stack_name *= *"\(.*\)"/\1/p' samconfig.toml | head -1)
AWS   ?= aws
STRIPE_PK_PARAM ?= /bookmyevent/stripe-publishable-key
deploy-web: web ## upload web/dist to the deployed stack's site bucket
	@test -n "$(STACK)" || { echo "usage: make deploy-web STACK=<stack name>"; exit 2; }
	@out() { $(AWS) cloudformation describe-stacks --stack-name $(STACK) --query "Stacks[0].Outputs[?OutputKey=='$$1'].OutputValue" --output text; }; \
	bucket=$$(out SiteBucketName); dist=$$(out SiteDistributionId); url=$$(out SiteUrl); \
	region=$$(out Region); client=$$(out UserPoolClientId); \
	pk="$(STRIPE_PUBLISHABLE_KEY)"; test -n "$$pk" || pk=$$($(AWS) ssm get-parameter --name "$(STRIPE_PK_PARAM)" --query Parameter.Value --output text 2>/dev/null || true); \
	case "$$pk" in pk_*) ;; *) echo "no Stripe publishable key ($(STRIPE_PK_PARAM)): the pay step offers Stripe's test methods"; pk= ;; esac; \
	test -n "$$bucket" -a "$$bucket" != None || { echo "stack $(STACK) has no SiteBucketName output"; exit 1; }; \
	printf '{"apiBase":"","cognito":{"region":"%s","endpoint":"https://cognito-idp.%s.amazonaws.com/","clientId":"%s"}%s}\n' \
		"$$region" "$$region" "$$client" "$${pk:+,\"stripePublishableKey\":\"$$pk\"}" > web/dist/config.json; \
	$(AWS) s3 sync web/dist/assets "s3://$$bucket/assets" --cache-control 'public, max-age=31536000, immutable' && \
	$(AWS) s3 sync web/dist "s3://$$bucket" --exclude 'assets/*' --exclude index.html --exclude config.json --cache-control 'public, max-age=3600' && \
	$(AWS) s3 cp web/dist/config.json "s3://$$bucket/config.json" --cache-control no-cache --content-type application/json && \
	$(AWS) s3 cp web/dist/index.html "s3://$$bucket/index.html" --cache-control no-cache --content-type 'text/html; charset=utf-8' && \
	$(AWS) cloudfront create-invalidation --distribution-id "$$dist" --paths /index.html /config.json >/dev/null && \
	echo "deployed the site to $$url"; rm -f web/dist/config.json

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
	rm -rf .aws-sam bin web/dist

# sam build (BuildMethod: makefile) calls build-<LogicalId> with ARTIFACTS_DIR set. One
# pattern rule serves every function: CreateVenueFunction builds ./functions/create-venue.
build-%:
	@fn=$$(echo '$*' | sed -E 's/Function$$//; s/([a-z0-9])([A-Z])/\1-\2/g' | tr 'A-Z' 'a-z'); \
	test -d functions/$$fn || { echo "no functions/$$fn for $*"; exit 1; }; \
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' \
		-o $(ARTIFACTS_DIR)/bootstrap ./functions/$$fn

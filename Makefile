# Vtiger customer portal backend. `make help` lists the targets.

include .envrc.mk

BINARY        := portal
VERSION       ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT        ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
BUILD_TIME    := $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS       := -s -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.buildTime=$(BUILD_TIME)
GOBIN         := $(shell go env GOPATH)/bin
STRIPE_MOCK_VERSION := v0.203.0
STATICCHECK_VERSION := v0.8.2
SWAG_VERSION        := v1.16.6

PRODUCTION_HOST ?= portal.example.com
PRODUCTION_USER ?= portal

.DEFAULT_GOAL := help

# ==================================================================================== #
# HELPERS
# ==================================================================================== #

## help: print this help message
.PHONY: help
help:
	@echo 'Usage:'
	@sed -n 's/^## //p' $(MAKEFILE_LIST) | awk '{ i = index($$0, ": "); printf "  %-28s %s\n", substr($$0, 1, i-1), substr($$0, i+2) }'

.PHONY: confirm
confirm:
	@echo -n 'Are you sure? [y/N] ' && read ans && [ $${ans:-N} = y ]

# ==================================================================================== #
# DEVELOPMENT
# ==================================================================================== #

## demo: run the portal against the built-in Vtiger simulator with demo data (needs only PostgreSQL)
.PHONY: demo
demo: db/ensure
	go run ./cmd/portal serve -demo

## demo/pay intent=pi_… [status=failed]: send a signed test webhook for a payment to the running `make demo`
.PHONY: demo/pay
demo/pay:
	@test -n "$(intent)" || (echo 'usage: make demo/pay intent=pi_… [status=succeeded|failed] (the stripe_payment_id from GET /api/v1/payments)' && exit 1)
	go run ./cmd/portal payments simulate-webhook -demo -intent $(intent) -status $(or $(status),succeeded)

## run: run the portal with the configuration from portal.yaml / PORTAL_* variables
.PHONY: run
run:
	go run ./cmd/portal serve

## db/ensure: make sure PostgreSQL answers on 127.0.0.1:5432 (starts or installs it)
.PHONY: db/ensure
db/ensure:
	@bash .ci/postgres.sh

## mariadb/ensure: make sure MariaDB answers on 127.0.0.1:3306 (the earlier-backend import tests; starts or installs it)
.PHONY: mariadb/ensure
mariadb/ensure:
	@bash .ci/mariadb.sh

## redis/ensure: make sure Redis answers on 127.0.0.1:6379 (starts or installs it; the multi-instance tests use it)
.PHONY: redis/ensure
redis/ensure:
	@bash .ci/redis.sh

## migrate: apply all up migrations to the configured database
.PHONY: migrate
migrate:
	go run ./cmd/portal migrate up

## migration-create name=NAME: create a new pair of migration files
.PHONY: migration-create
migration-create:
	@test -n "$(name)" || (echo 'usage: make migration-create name=add_something' && exit 1)
	@n=$$(ls migrations/*.up.sql 2>/dev/null | sed -E 's|migrations/0*([0-9]+)_.*|\1|' | sort -n | tail -1); \
	n=$$(printf '%06d' $$(( $${n:-0} + 1 ))); \
	touch migrations/$${n}_$(name).up.sql migrations/$${n}_$(name).down.sql; \
	echo "created migrations/$${n}_$(name).{up,down}.sql"

# ==================================================================================== #
# QUALITY CONTROL
# ==================================================================================== #

## tools: install the tools the tests and audit need (stripe-mock, staticcheck, swag)
.PHONY: tools
tools:
	@test -x $(GOBIN)/stripe-mock || go install github.com/stripe/stripe-mock@$(STRIPE_MOCK_VERSION)
	@test -x $(GOBIN)/staticcheck || go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@test -x $(GOBIN)/swag || go install github.com/swaggo/swag/cmd/swag@$(SWAG_VERSION)

## test: vet and run every test with the race detector (starts PostgreSQL and MariaDB, installs stripe-mock if needed)
# One `go test` per package, TEST_JOBS at a time: each package prints its
# ok/FAIL line the moment it finishes. A single `go test ./...` prints in
# package order, so one slow early package kept the whole run silent.
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
.PHONY: test
test: db/ensure mariadb/ensure redis/ensure tools
	@echo '== go vet ./...'
	go vet ./...
	@echo '== go test -race, $(TEST_JOBS) packages at a time (about 5 minutes on 2 cores with a warm build cache; each package reports when it is done)'
	go list ./... | PATH="$(GOBIN):$$PATH" xargs -n 1 -P $(TEST_JOBS) go test -race -count=1 -timeout 15m

## bench: run the customer-journey benchmark with budgets, then the Go micro-benchmarks
.PHONY: bench
bench: db/ensure
	go run ./cmd/portal-bench
	go test -run '^$$' -bench . -benchmem ./internal/...

## audit: tidy and vet dependencies, check formatting, run static analysis and all tests
.PHONY: audit
audit: tools
	go mod tidy -diff
	go mod verify
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	go vet ./...
	$(GOBIN)/staticcheck ./...
	-go run golang.org/x/vuln/cmd/govulncheck@latest ./...
	$(MAKE) test

## swagger: regenerate the OpenAPI spec in documents/
.PHONY: swagger
swagger: tools
	$(GOBIN)/swag init --quiet -g docs.go -d internal/delivery/http -o documents --outputTypes json,yaml --parseInternal --parseDependency
	go run ./cmd/portal-apidocs -spec documents/swagger.json -out documents/insomnia.json

# ==================================================================================== #
# BUILD
# ==================================================================================== #

## build: build the portal binary into bin/ with version information
.PHONY: build
build:
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o bin/$(BINARY) ./cmd/portal
	GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o bin/linux_amd64/$(BINARY) ./cmd/portal

# ==================================================================================== #
# PRODUCTION
# ==================================================================================== #

## production/deploy/api: build, copy binary + unit + Apache config to PRODUCTION_HOST, migrate and restart
.PHONY: production/deploy/api
production/deploy/api: confirm build
	rsync -P bin/linux_amd64/$(BINARY) $(PRODUCTION_USER)@$(PRODUCTION_HOST):~/portal.new
	rsync -P remote/production/portal.service remote/production/apache.conf $(PRODUCTION_USER)@$(PRODUCTION_HOST):~/
	ssh -t $(PRODUCTION_USER)@$(PRODUCTION_HOST) '\
		sudo install -m 0755 ~/portal.new /usr/local/bin/portal \
		&& sudo install -m 0644 ~/portal.service /etc/systemd/system/portal.service \
		&& sudo systemctl daemon-reload \
		&& sudo -u portal env $$(sudo cat /etc/portal/portal.env | xargs) /usr/local/bin/portal -config /etc/portal/portal.yaml migrate up \
		&& sudo systemctl enable portal \
		&& sudo systemctl restart portal \
		&& sleep 2 && curl -fsS http://127.0.0.1:4050/readyz'

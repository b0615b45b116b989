# Switchboard — the two commands of the Quick start are `make demo` and `make test`.
SHELL := /bin/bash
.ONESHELL:
.PHONY: demo test deps lint typecheck unit bench

deps:
	@[ -d node_modules ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] || npm ci --no-audit --no-fund

## Runs the control plane on embedded defaults: simulated media engine, embedded PostgreSQL (PGlite), synthetic traffic.
demo: deps
	npm run --silent demo

## Installs what the tests need, then lint, typecheck and every test (unit + integration against real servers).
test:
	set -euo pipefail
	url=$$(bash scripts/test-env.sh)
	export TEST_DATABASE_URL="$$url"
	npx eslint .
	npx tsc -p tsconfig.json
	npx c8 mocha

lint: deps
	npx eslint .

typecheck: deps
	npx tsc -p tsconfig.json

.PHONY: run dev test chaos bench infra-up infra-down migrate proto lint typecheck k8s-check kind-up

run: ## Install, start infrastructure, migrate, run every service; prints the gateway URL
	bash scripts/run-stack.sh

dev: ## The same stack, each service restarted when a file it imports changes (logs in .run/)
	bash scripts/run-stack.sh --watch

test: ## The same set-up, then type-check, lint, format check and every test
	bash scripts/test.sh

chaos: ## Fault injection under load on private servers (not part of test); table in docs/reliability.md
	bash scripts/infra/setup.sh
	node_modules/.bin/node scripts/chaos/run.ts

bench: ## Load benchmarks through the gateway (not part of test); method and figures in docs/benchmarks.md
	bash scripts/infra/setup.sh
	for f in bench/*.bench.ts; do node_modules/.bin/node "$$f" || exit 1; done

k8s-check: ## helm lint/template of deploy/helm with each values file, strict offline validation of every object, compose config
	bash scripts/k8s/check.sh

kind-up: ## Builds the images, loads them into a Kind cluster, installs the chart, waits for readiness (needs docker, kind, helm, kubectl)
	bash deploy/kind/up.sh

infra-up:
	bash scripts/infra/up.sh

infra-down:
	bash scripts/infra/down.sh

migrate:
	node_modules/.bin/node scripts/migrate.ts

proto:
	npm run proto:gen

typecheck:
	npm run typecheck

lint:
	npm run lint

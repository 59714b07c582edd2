# The two commands that matter:  make dev  (start everything)  and  make test  (run all tests).
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
CRM := $(VENV)/bin/crm

.PHONY: install web dev test test-console console-e2e test-unit lint fmt schemas infra-up infra-down infra-status clean bench bench-quick compose-deps compose-smoke reliability

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install -q "uv==$(UV_VERSION)"

install: $(UV)  ## create .venv from uv.lock (pinned), build the console's web app
	$(UV) sync --all-packages --frozen
	@$(MAKE) --no-print-directory web

web:  ## the console's web app (services/console/web/dist), skipped with a warning without Node
	@cd services/console/web && if ! command -v npm >/dev/null 2>&1; then \
	  echo "warning: node/npm not found: the console's web app is not built (install Node 20, then make install)" >&2; \
	else \
	  if [ ! node_modules/.package-lock.json -nt package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; fi; \
	  if [ ! -f dist/index.html ] || [ -n "$$(find src index.html package.json vite.config.ts -newer dist/index.html | head -1)" ]; then \
	    npm run build --silent; fi; \
	fi

dev: install  ## start Kafka, the store and every service (Ctrl-C stops all)
	$(CRM) dev

test: install  ## all tests: unit, integration (real Kafka + store), end-to-end, then the browser tests
	$(CRM) infra up
	KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$${CRM_INFRA_KAFKA_PORT:-9092} \
	MONGODB_URL=mongodb://127.0.0.1:$${CRM_INFRA_MONGO_PORT:-27017} \
	$(VENV)/bin/pytest
	@$(MAKE) --no-print-directory console-e2e

# Playwright driving Debian's Chromium (apt-get install chromium fonts-noto-cjk; npm's browser
# downloads do not work here) against the whole system, started on free ports by the tests.
test-console: install console-e2e  ## the console's browser tests

console-e2e:
	$(CRM) infra up
	cd services/console/e2e && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && \
	KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$${CRM_INFRA_KAFKA_PORT:-9092} \
	MONGODB_URL=mongodb://127.0.0.1:$${CRM_INFRA_MONGO_PORT:-27017} \
	CRM_E2E_SEED=$${CRM_E2E_SEED:-none} \
	npx playwright test

# Faults on local processes (private broker/store where one is stopped); prints the table of
# lost / duplicated-effect / wrong / recovery per scenario and writes it to tests/reliability/results.json.
reliability: install  ## the reliability suite (CRM_RELIABILITY_SCALE=small by default, full for the issue's sizes)
	$(CRM) infra up
	KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$${CRM_INFRA_KAFKA_PORT:-9092} \
	MONGODB_URL=mongodb://127.0.0.1:$${CRM_INFRA_MONGO_PORT:-27017} \
	CRM_RELIABILITY_SCALE=$${CRM_RELIABILITY_SCALE:-small} CRM_RELIABILITY_RESULTS=tests/reliability/results.json \
	$(VENV)/bin/pytest -q -m "" tests/reliability

test-unit: install
	$(VENV)/bin/pytest -m "not integration and not e2e"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy -p crm_shared -p crm_contacts -p crm_sales -p crm_service_desk -p crm_notifications -p crm_insights -p crm_marketing -p crm_directory -p crm_console -p crm_devtools
	$(PY) -m crm_devtools.contracts --check

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schemas: install  ## regenerate docs/events from the event models
	$(PY) -m crm_devtools.contracts

infra-up: install
	$(CRM) infra up
infra-down: install
	$(CRM) infra down
infra-status: install
	$(CRM) infra status

bench: install
	$(PY) -m bench.run
bench-quick: install
	$(PY) -m bench.run --quick

compose-deps:  ## Debian 12 packages compose-smoke needs where no Docker engine runs
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc slirp4netns fuse-overlayfs uidmap catatonit iptables debootstrap
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose

compose-smoke: install  ## build images, compose up (podman + local images where no Docker), end-to-end smoke, down
	tests/compose/smoke.sh

clean:
	-$(CRM) infra down
	rm -rf .venv .state

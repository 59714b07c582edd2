# The two commands that matter:  make dev  (start everything)  and  make test  (run all tests).
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
CRM := $(VENV)/bin/crm

.PHONY: install dev test test-unit lint fmt schemas infra-up infra-down infra-status clean bench bench-quick compose-deps compose-smoke

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install -q "uv==$(UV_VERSION)"

install: $(UV)  ## create .venv from uv.lock (pinned)
	$(UV) sync --all-packages --frozen

dev: install  ## start Kafka, the store and every service (Ctrl-C stops all)
	$(CRM) dev

test: install  ## all tests: unit, integration (real Kafka + store), end-to-end
	$(CRM) infra up
	KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$${CRM_INFRA_KAFKA_PORT:-9092} \
	MONGODB_URL=mongodb://127.0.0.1:$${CRM_INFRA_MONGO_PORT:-27017} \
	$(VENV)/bin/pytest

test-unit: install
	$(VENV)/bin/pytest -m "not integration and not e2e"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy -p crm_shared -p crm_contacts -p crm_sales -p crm_service_desk -p crm_notifications -p crm_devtools
	$(PY) -m crm_devtools.contracts --check

fmt: install
	$(VENV)/bin/ruff check --fix .

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

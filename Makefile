# The two entry points of the README. Each does all of its own set-up.
SHELL := /bin/bash
.PHONY: up serve test bench lock release

up:   ## pulumi up on the local stack against the bundled emulator
	bash scripts/local.sh up --yes

serve: ## emulator + events receiver + dashboard (local stack) until Ctrl-C
	bash scripts/local.sh serve

test: ## the whole test suite (what CI runs); ARGS='tests/unit -k name' runs a subset
	bash scripts/test.sh $(ARGS)

bench: ## benchmarks: API calls per operation, overhead, scale (writes bench/RESULTS.md)
	. scripts/setup.sh && python -m bench --sizes 1,10,100

lock: ## re-lock after editing pyproject.toml (UPGRADE=1: newest allowed versions; UV=X.Y.Z: another uv)
	bash scripts/lock.sh $(if $(UV),--uv $(UV)) $(if $(UPGRADE),--upgrade)

release: ## dist/: wheel, sdist, Node.js SDK tarball, plugin archives (URL=where they will be served)
	. scripts/setup.sh && python -m scripts.release $(if $(URL),--url $(URL))

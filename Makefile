# The two entry points of the README. Each does all of its own set-up.
.PHONY: up test bench

up:   ## pulumi up on the local stack against the bundled emulator
	bash scripts/local.sh up --yes

test: ## the whole test suite (what CI runs)
	bash scripts/test.sh

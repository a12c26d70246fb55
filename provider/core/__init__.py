"""The core rules, pure (no I/O, no Pulumi): the one declaration of the inputs and
everything derived from it, validation, planning, observation, ownership and health.
Both front-ends reach them through `provider.operations`."""

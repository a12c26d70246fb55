"""The native `quickbooks` Pulumi provider: the plugin (`provider.py`), its schema
(`schema.py`, from the declarations) and the engine's values (`wire.py`)."""

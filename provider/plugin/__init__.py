"""The native `quickbooks` Pulumi provider: the plugin (`provider.py`), its schema
(`schema.py`, from the declarations), the engine's messages (`protocol.py`, its own:
no `pulumi` module is loaded) and the engine's values (`wire.py`)."""

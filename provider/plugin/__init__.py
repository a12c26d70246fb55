"""The native `quickbooks` Pulumi provider: the plugin (`provider.py`), its schema
(`schema.py`, from the declarations), the engine's messages (`protocol.py`, its own,
on its own wire codec, `message_class.py` and `codec.py`: no `pulumi` or
`google.protobuf` module is loaded) and the engine's values (`wire.py`)."""

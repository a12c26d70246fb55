import pulumi
import pulumi_quickbooks as quickbooks

config = pulumi.Config()
books = quickbooks.Instance(
    "books",
    name="Books",
    callback_url="https://hooks.example.com/quickbooks/events",
    oauth=quickbooks.OauthGrantArgs(
        code=config.require_secret("grantCode"),
        realm_id=config.require("realmId"),
    ),
    tags=["team:finance"],
    on_delete="release",
)
pulumi.export("instanceId", books.instance_id)

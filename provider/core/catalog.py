"""Names fixed by the Cloud Elements QuickBooks element: resources, configuration keys."""

ELEMENT_KEY = "quickbooks"

# The 22 QuickBooks resources the element can poll for events, in the order the
# element documents them. `poller_resources` is always kept in this order so a
# reordered list in stack config is not a change.
POLLER_RESOURCES: tuple[str, ...] = (
    "bill-payments",
    "bills",
    "classes",
    "credit-memos",
    "credit-terms",
    "currencies",
    "customers",
    "employees",
    "invoices",
    "journal-entries",
    "ledger-accounts",
    "payment-methods",
    "payments",
    "products",
    "purchase-orders",
    "refund-receipts",
    "sales-receipts",
    "tax-codes",
    "tax-rates",
    "time-activities",
    "vendor-credits",
    "vendors",
)

EVENT_VENDOR_TYPES = ("polling", "webhook")

# Configuration keys of an instance.
KEY_API_KEY = "oauth.api.key"
KEY_API_SECRET = "oauth.api.secret"
KEY_APP_CALLBACK = "oauth.callback.url"
KEY_EVENTS_ENABLED = "event.notification.enabled"
KEY_EVENT_CALLBACK = "event.notification.callback.url"
KEY_POLLER_URLS = "event.poller.urls"
KEY_POLL_INTERVAL = "event.poller.refresh_interval"
KEY_VENDOR_TYPE = "event.vendor.type"
KEY_SIGNATURE = "event.notification.signature.key"
KEY_AUTH_TYPE = "authentication.type"
KEY_SCOPE = "scope"
KEY_REALM = "realmId"
# Set by the platform: the id of the instance's webhook subscription (read-only).
KEY_SUBSCRIPTION = "event_notification_subscription_id"

OAUTH2_SCOPE = "com.intuit.quickbooks.accounting"

# Other keys the element documents; `extra_configuration` accepts only these so a
# typo fails in preview instead of being stored silently.
EXTRA_CONFIGURATION_KEYS = frozenset(
    {
        "event.notification.type",
        "filter.response.nulls",
        "quickbooks.minorversion",
    }
)

# What the platform sends back instead of a secret value.
MASK = "********"

# Configuration keys holding secrets: never part of the (plain) outputs, whatever
# their value, even when the provider knows it because it just sent it.
SECRET_KEYS = frozenset({KEY_API_SECRET, KEY_SIGNATURE})

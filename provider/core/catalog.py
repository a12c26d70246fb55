"""Names fixed by the Cloud Elements QuickBooks element: resources, configuration keys."""

from typing import Any

ELEMENT_KEY = "quickbooks"
# The element's numeric id (devportal quickbooksonline/authenticate.md).
ELEMENT_ID = 39

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
# The company an instance is bound to (devportal quickbooksonline/authenticate.md,
# token-based provisioning); the grant's `providerData` calls it `realmId`.
KEY_REALM = "quickbooks.realm.id"
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

# Keys the platform keeps in an instance's configuration for itself (ce-go
# ce/elements.go, InstanceConfiguration): its OAuth tokens and their refresh time, the
# vendor's base URL, its event subscription. Never an output, never drift.
PLATFORM_KEYS = frozenset(
    {
        "base_url",
        "event_notification_subscription_id",
        "event_metadata",
        "event.helper.key",
    }
)
PLATFORM_KEY_PREFIXES = ("oauth.user.",)


def is_platform_key(key: str) -> bool:
    return key in PLATFORM_KEYS or key.startswith(PLATFORM_KEY_PREFIXES)


# What the platform sends back instead of a secret value.
MASK = "********"

# Configuration keys holding secrets: never part of the (plain) outputs, whatever
# their value, even when the provider knows it because it just sent it.
SECRET_KEYS = frozenset({KEY_API_SECRET, KEY_SIGNATURE})


def element_of(instance: dict[str, Any]) -> str | None:
    """The element key of an instance as the platform shows it (`element.key`, or the
    numeric `elementId` / `element.id` of QuickBooks); None when it shows neither."""
    element = instance.get("element")
    if isinstance(element, dict) and element.get("key"):
        return str(element["key"])
    number = instance.get("elementId")
    if number is None and isinstance(element, dict):
        number = element.get("id")
    if number is None:
        return None
    return ELEMENT_KEY if str(number) == str(ELEMENT_ID) else f"element {number}"


def is_quickbooks(instance: dict[str, Any]) -> bool:
    """Whether the instance is the QuickBooks element's; one that names no element is
    taken as QuickBooks' (only QuickBooks lists and reads by id lead to it)."""
    return element_of(instance) in (None, ELEMENT_KEY)

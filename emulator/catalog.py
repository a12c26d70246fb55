"""Static facts about the elements this emulator serves: ``quickbooks`` (the one the
project is about) and ``jira`` (another element of the organization, so the lists hold
instances that are not QuickBooks'), and the QuickBooks companies and resources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

API_PREFIX = "/elements/api-v2"
ELEMENT_KEY = "quickbooks"
JIRA_KEY = "jira"


def _element(**facts: Any) -> dict[str, Any]:
    """An element as an instance embeds it (devportal, quickbooksonline/authenticate.md,
    "Example Response"): the element's own facts, then the catalogue's fixed fields."""
    return {
        **facts,
        "active": True,
        "deleted": False,
        "trialAccount": False,
        "defaultTransformations": [],
        "objectMetadata": [],
        "transformationsEnabled": True,
        "bulkDownloadEnabled": True,
        "bulkUploadEnabled": True,
        "cloneable": False,
        "extendable": True,
        "beta": False,
        "extended": False,
        "protocolType": "http",
        "parameters": [],
        "private": False,
    }


# Each element as GET /elements/{keyOrId} and every instance's "element" show it.
# quickbooks: id 39, hookName, hub "finance" (devportal quickbooksonline/authenticate.md).
# jira: id 1 (devportal jira/authentication.md front matter and jira-create-instance.md);
# its hookName and hub are in no source (the emulator picks "Jira" and "helpdesk").
ELEMENTS: dict[str, dict[str, Any]] = {
    ELEMENT_KEY: _element(
        id=39,
        name="QuickBooks Online",
        hookName="QuickBooksOnline",
        key=ELEMENT_KEY,
        description="Add a QuickBooks Online Instance to connect your existing QuickBooks "
        "Online account to the Finance Hub (emulated)",
        image="elements/provider_quickbooks.png",
        typeOauth=True,
        configDescription="If you do not have an QuickBooks account, you can create one at "
        "QuickBooks Signup",
        signupURL="http://quickbooks.intuit.com/signup/",
        authentication={"type": "oauth1"},
        hub="finance",
    ),
    JIRA_KEY: _element(
        id=1,
        name="JIRA",
        hookName="Jira",
        key=JIRA_KEY,
        description="JIRA element (emulated)",
        image="elements/provider_jira.png",
        typeOauth=False,
        configDescription="If you do not have an JIRA account, you can create one at JIRA Signup",
        signupURL="http://www.atlassian.com/software/jira/pricing",
        authentication={"type": "basic"},
        hub="helpdesk",
    ),
}
ELEMENT = ELEMENTS[ELEMENT_KEY]


# The id an older emulator gave quickbooks (in no source), still accepted in paths.
LEGACY_IDS = {"1012": ELEMENT_KEY}


def element_named(key_or_id: Any) -> dict[str, Any] | None:
    """The element whose key or numeric id is `key_or_id`, or None."""
    text = str(key_or_id)
    if text in LEGACY_IDS:
        return ELEMENTS[LEGACY_IDS[text]]
    return next(
        (e for e in ELEMENTS.values() if text in (e["key"], str(e["id"]))),
        None,
    )


# The 22 resources of the `event.poller.urls` configuration, in the documented
# order, mapped to the QuickBooks entity name that appears in an event's "raw".
POLLER_RESOURCES: dict[str, str] = {
    "bill-payments": "BillPayment",
    "bills": "Bill",
    "classes": "Class",
    "credit-memos": "CreditMemo",
    "credit-terms": "Term",
    "currencies": "CompanyCurrency",
    "customers": "Customer",
    "employees": "Employee",
    "invoices": "Invoice",
    "journal-entries": "JournalEntry",
    "ledger-accounts": "Account",
    "payment-methods": "PaymentMethod",
    "payments": "Payment",
    "products": "Item",
    "purchase-orders": "PurchaseOrder",
    "refund-receipts": "RefundReceipt",
    "sales-receipts": "SalesReceipt",
    "tax-codes": "TaxCode",
    "tax-rates": "TaxRate",
    "time-activities": "TimeActivity",
    "vendor-credits": "VendorCredit",
    "vendors": "Vendor",
}

EVENT_TYPES = ("CREATED", "UPDATED", "DELETED", "UNKNOWN")


@dataclass(frozen=True)
class Company:
    """A QuickBooks company (realm) that the consent page offers."""

    realm_id: str
    name: str


# Every emulator offers the same three sandbox companies first, so tests can name
# a realm without discovering it first.
SANDBOX_COMPANIES = (
    Company("9130350000000001", "Sandbox Company US 1"),
    Company("9130350000000002", "Sandbox Company US 2"),
    Company("9130350000000003", "Sandbox Company UK"),
)
FIRST_REALM = 9130350000000001
MAX_COMPANIES = 10_000


def companies(count: int = len(SANDBOX_COMPANIES)) -> dict[str, Company]:
    """``count`` companies by realm id: the three sandbox ones, then generated ones whose
    realm ids follow theirs (QuickBooks allows one authorized instance per company, so a
    test that makes many instances needs as many companies)."""
    offered = list(SANDBOX_COMPANIES[:count])
    for number in range(len(offered) + 1, count + 1):
        offered.append(Company(str(FIRST_REALM + number - 1), f"Generated Company {number}"))
    return {company.realm_id: company for company in offered}

"""Static facts about the one element this emulator serves: ``quickbooks``."""

from __future__ import annotations

from dataclasses import dataclass

API_PREFIX = "/elements/api-v2"
ELEMENT_KEY = "quickbooks"

# What GET /instances/{id} shows under "element"; the values mimic the real
# catalogue entry closely enough for a client that only reads them.
ELEMENT = {
    "id": 1012,
    "name": "QuickBooks Online",
    "key": ELEMENT_KEY,
    "description": "QuickBooks Online accounting (emulated)",
    "active": True,
    "deleted": False,
    "typeOauth": True,
    "trialAccount": False,
    "configDescription": "Connect a QuickBooks Online company",
    "signupURL": "https://quickbooks.intuit.com/signup",
}

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

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


# Every emulator offers the same three sandbox companies, so tests can name
# a realm without discovering it first.
COMPANIES = (
    Company("9130350000000001", "Sandbox Company US 1"),
    Company("9130350000000002", "Sandbox Company US 2"),
    Company("9130350000000003", "Sandbox Company UK"),
)
COMPANY_BY_REALM = {company.realm_id: company for company in COMPANIES}

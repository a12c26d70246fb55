"""Cloud Elements QuickBooks Online instances as Pulumi resources (a dynamic provider)."""

from .lifecycle import QuickBooksInstanceProvider
from .resource import QuickBooksInstance

__all__ = ["QuickBooksInstance", "QuickBooksInstanceProvider"]

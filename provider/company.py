"""The one-company rule, applied before any write that binds a QuickBooks company.

QuickBooks keeps one authorized instance per company: authorizing a second one
silently wipes the first one's authorization. So a create or a re-authorization
is refused while another authorized instance of the organization is bound to the
same company, whoever manages it (this stack, another stack, nobody), unless the
resource says `takeover_company: true`. Which company each instance is bound to
comes from the run's one list of the organization's instances (`Inventory`): no
call of its own. Two resources of one stack declaring the same company are
caught earlier, in `check`, with no call at all.
"""

from __future__ import annotations

from .api.session import Session
from .core import health
from .core.check import Failure, is_unknown
from .core.declaration import SpecBase as InstanceSpec
from .errors import ProvisioningError


def claimed_twice(session: Session, inputs: dict) -> Failure | None:
    """A failure for `oauth.realm_id` when another resource of the run declared the
    same company (both are named); None otherwise, or while either is unknown."""
    oauth, tag = inputs.get("oauth"), inputs.get("ownership_tag")
    realm = oauth.get("realm_id") if isinstance(oauth, dict) else None
    if not isinstance(realm, str) or not isinstance(tag, str) or is_unknown(realm):
        return None
    other = session.claim_company(realm, tag)
    if other is None:
        return None
    message = health.same_company_twice(realm, health.resource_of(tag), health.resource_of(other))
    return Failure("oauth.realm_id", message)


def guard(session: Session, spec: InstanceSpec, what: str, besides: str | None) -> None:
    """Refuses (before any write) to bind the spec's company while another authorized
    instance is bound to it, unless `takeover_company` says so on purpose."""
    realm = spec.realm_id
    if realm is None:
        return
    other, unknown = session.inventory().bound_to(realm, besides)
    if other is None:
        if unknown:  # never free: said, naming each (see docs/reference.md, why a warning)
            session.warn(health.company_unknown(realm, unknown, what))
        return
    if not spec.takeover_company:
        raise ProvisioningError(health.company_taken(realm, other, what))
    session.warn(health.taking_over_company(realm, other, what))

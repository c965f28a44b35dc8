"""Which zone names a real deploy can use, and the program's own refusal of the others: pure
rules plus one check that runs on a real engine only (the mock engine, `deploy.py plan` and
the tests keep working offline with the committed stack files, whose zone is
trading.example.com).

- Route 53 refuses reserved names with `InvalidDomainName` ("The specified domain name is not
  valid.", https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html).
  AWS does not publish the reserved list; we refuse, conservatively, every name the RFCs
  reserve: example.com/.net/.org and their subdomains (RFC 2606 s.3,
  https://www.rfc-editor.org/rfc/rfc2606) and the special-use TLDs .test, .example,
  .invalid, .localhost (RFC 2606 s.2, RFC 6761 https://www.rfc-editor.org/rfc/rfc6761),
  plus .local (RFC 6762, multicast DNS only).
- A zone created in the same run is not delegated by its parent, so ACM's DNS validation
  never completes and the certificates' validation waits out its 75-minute timeout
  (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html): a real deploy
  names a zone that exists and is delegated already (hostedZoneId; `deploy.py preflight`
  proves the delegation).
"""

from __future__ import annotations

from components.settings import PROJECT, Settings

RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
"""Second-level names reserved by RFC 2606 s.3; they and every name under them are refused."""
RESERVED_TLDS = ("test", "example", "invalid", "localhost", "local")
"""Special-use top-level names (RFC 2606 s.2, RFC 6761, RFC 6762 for .local)."""

ZONE_NAME_KEY = f"{PROJECT}:zoneName"
ZONE_ID_KEY = f"{PROJECT}:hostedZoneId"


def reserved_zone_rule(zone_name: str) -> str | None:
    """Why Route 53 (or the DNS) would refuse `zone_name`, or None when it is usable. Pure."""
    name = zone_name.strip().rstrip(".").lower()
    labels = name.split(".")
    if labels[-1] in RESERVED_TLDS:
        return (
            f"the top-level name .{labels[-1]} is reserved (RFC 2606/6761): Route 53 refuses it "
            "with InvalidDomainName and nobody can delegate it; use a domain you own"
        )
    for reserved in RESERVED_DOMAINS:
        if name == reserved or name.endswith("." + reserved):
            return (
                f"{reserved} and its subdomains are reserved (RFC 2606): Route 53 refuses them "
                "with InvalidDomainName; use a domain you own"
            )
    if len(labels) < 2:
        return "a top-level domain cannot be a hosted zone (Route 53); use a domain you own"
    return None


def undeployable_zone(settings: Settings) -> str | None:
    """One line naming the file, the key, the value and the rule when a real deploy of this
    stack cannot use its zone, else None. Pure."""
    where = f"Pulumi.{settings.stack}.yaml (or Pulumi.yaml's default)"
    zone_name = settings.traffic.zone_name
    rule = reserved_zone_rule(zone_name)
    if rule is not None:
        return f"{where}: {ZONE_NAME_KEY}={zone_name!r} cannot be deployed: {rule}."
    if settings.is_primary and settings.traffic.hosted_zone_id is None:
        return (
            f"{where}: {ZONE_ID_KEY} is empty: a real deploy needs the id of a public hosted zone "
            f"for {zone_name} that its parent already delegates to (a zone created in the same "
            "run is not delegated and ACM validation times out after 75 minutes)."
        )
    return None


def on_real_engine() -> bool:
    """False under the Pulumi mocks (the mock engine, `deploy.py plan`, the tests)."""
    from pulumi.runtime.mocks import MockMonitor
    from pulumi.runtime.settings import get_monitor

    return not isinstance(get_monitor(), MockMonitor)

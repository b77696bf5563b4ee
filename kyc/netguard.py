"""Where the worker may send webhooks: public https endpoints only (no SSRF into our network).

A URL is checked twice: at registration (syntax, scheme, literal addresses in any spelling,
internal host names) and at delivery, when its host name is resolved and every address it
resolves to must be public; the delivery then connects to that checked address, so a DNS answer
that changes between the check and the connect (rebinding) cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from kyc.errors import UnsafeWebhookUrl

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Names that point inside whatever network the worker runs in.
_INTERNAL_NAMES = ("localhost", "metadata.google.internal", "metadata", "instance-data")
_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
# IPv6 prefixes that embed an IPv4 address (NAT64); the embedded address is what is reached.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class UrlPolicy:
    """`allow_local` (setting `webhook_allow_local_receivers`) admits loopback and private
    receivers, for development and tests; `require_https` holds outside development."""

    require_https: bool = True
    allow_local: bool = False

    @classmethod
    def of(cls, environment: str, allow_local_receivers: bool) -> UrlPolicy:
        return cls(require_https=environment != "development", allow_local=allow_local_receivers)


@dataclass(frozen=True)
class WebhookTarget:
    scheme: str
    host: str  # as written (lower case, IPv6 without brackets)
    port: int
    literal: IPAddress | None  # set when the host is an address, in whatever spelling


def legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address of an IPv4 host in any spelling the C resolver accepts: `2130706433`,
    `0x7f000001`, `0177.0.0.1`, `127.1`. `ipaddress` refuses these; curl and browsers do not."""
    if not host or not all(c in "0123456789abcdefxABCDEFX." for c in host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%")[0])  # drop an IPv6 zone id
    except ValueError:
        return legacy_ipv4(host)


def is_public(address: IPAddress) -> bool:
    """Globally routable unicast: not loopback, private, link-local (cloud metadata
    169.254.169.254), shared (100.64/10), multicast, reserved or unspecified; IPv4 embedded in
    IPv6 (mapped, NAT64, 6to4) is judged as the IPv4 address it reaches."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
        if address.teredo is not None:
            return False
    return address.is_global and not address.is_multicast


def parse_target(url: str, policy: UrlPolicy) -> WebhookTarget:
    """Check a webhook URL's form; raise UnsafeWebhookUrl naming the problem."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeWebhookUrl(f"Invalid url: {exc}.", param="url") from None
    scheme = parts.scheme.lower()
    allowed = ("https",) if policy.require_https and not policy.allow_local else ("https", "http")
    if scheme not in allowed:
        raise UnsafeWebhookUrl(f"Invalid url: must be {' or '.join(allowed)}.", param="url")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeWebhookUrl("Invalid url: it has no host.", param="url")
    if parts.username is not None or parts.password is not None:
        raise UnsafeWebhookUrl("Invalid url: credentials in the URL are not allowed.", param="url")
    target = WebhookTarget(
        scheme=scheme,
        host=host,
        port=port or (443 if scheme == "https" else 80),
        literal=_literal(host),
    )
    if policy.allow_local:
        return target
    if target.literal is not None and not is_public(target.literal):
        raise UnsafeWebhookUrl("Invalid url: it points to a non-public address.", param="url")
    if target.literal is not None:
        return target
    # A single-label name ("intranet") is resolved through the local search domains.
    if host in _INTERNAL_NAMES or host.endswith(_INTERNAL_SUFFIXES) or "." not in host:
        raise UnsafeWebhookUrl("Invalid url: it names an internal host.", param="url")
    return target


def resolve_target(target: WebhookTarget, policy: UrlPolicy) -> IPAddress:
    """The address to connect to, checked: every address the name resolves to must be public
    (one bad answer refuses the whole name: it could be picked next time)."""
    if target.literal is not None:
        addresses: list[IPAddress] = [target.literal]
    else:
        try:
            infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise UnsafeWebhookUrl(f"The host {target.host!r} does not resolve.") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise UnsafeWebhookUrl(f"The host {target.host!r} does not resolve.")
    if not policy.allow_local:
        for address in addresses:
            if not is_public(address):
                raise UnsafeWebhookUrl(
                    f"The host {target.host!r} resolves to a non-public address."
                )
    return addresses[0]


def check_registration(url: str, policy: UrlPolicy) -> None:
    """At registration: the form, and the name's addresses when it resolves now (a name that
    does not resolve yet is accepted: every delivery resolves and checks it again)."""
    target = parse_target(url, policy)
    try:
        resolve_target(target, policy)
    except UnsafeWebhookUrl as exc:
        if "does not resolve" not in exc.message:
            raise UnsafeWebhookUrl(exc.message, param="url") from None


def pinned_url(target: WebhookTarget, address: IPAddress, path_and_query: str) -> str:
    """The URL with its host replaced by the checked address (the Host header and TLS server
    name keep the original host)."""
    host = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    return f"{target.scheme}://{host}:{target.port}{path_and_query}"

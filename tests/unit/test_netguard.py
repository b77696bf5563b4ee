"""Webhook URL rules: public https only; every internal address refused in every spelling."""

from __future__ import annotations

import pytest

from kyc.errors import UnsafeWebhookUrl
from kyc.netguard import UrlPolicy, WebhookTarget, check_registration, parse_target, resolve_target

STRICT = UrlPolicy()
DEV = UrlPolicy.of("development", allow_local_receivers=False)
LOCAL = UrlPolicy.of("production", allow_local_receivers=True)

REFUSED = [
    "http://127.0.0.1:7233/",  # Temporal's port
    "https://127.0.0.1/",
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata
    "https://[::1]:8000/",
    "https://10.0.0.1/",
    "https://172.16.3.4/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",  # carrier-grade NAT, Alibaba's metadata range
    "https://0.0.0.0/",
    "https://[::]/",
    "https://224.0.0.1/",  # multicast
    "https://localhost:8333/",  # object storage
    "https://LOCALHOST./",
    "https://api.localhost/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://intranet/",  # a single-label name is a local one
    "https://0x7f000001/",  # hex
    "https://2130706433/",  # decimal
    "https://0177.0.0.1/",  # octal
    "https://127.1/",  # short form
    "https://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
    "https://[::ffff:a9fe:a9fe]/",  # mapped metadata address
    "https://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
    "https://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "https://[fe80::1%25eth0]/",  # link-local with a zone
    "https://[fd00:ec2::254]/",  # AWS metadata over IPv6 (unique local)
    "https://user:pw@example.com/",
    "ftp://example.com/",
    "https:///nohost",
    "https://example.com:99999/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_internal_targets_are_refused(url: str) -> None:
    with pytest.raises(UnsafeWebhookUrl):
        parse_target(url, STRICT)


def test_https_required_outside_development() -> None:
    with pytest.raises(UnsafeWebhookUrl, match="https"):
        parse_target("http://example.com/hook", STRICT)
    assert parse_target("http://example.com/hook", DEV).port == 80
    with pytest.raises(UnsafeWebhookUrl):  # development still refuses internal addresses
        parse_target("http://127.0.0.1:7233/", DEV)


def test_public_targets_pass() -> None:
    target = parse_target("https://Hooks.Example.com:8443/stripe?x=1", STRICT)
    assert (target.scheme, target.host, target.port, target.literal) == (
        "https",
        "hooks.example.com",
        8443,
        None,
    )
    assert str(parse_target("https://8.8.8.8/", STRICT).literal) == "8.8.8.8"
    assert str(parse_target("https://[2606:4700::1111]/", STRICT).literal) == "2606:4700::1111"


def test_the_explicit_setting_admits_a_local_receiver() -> None:
    target = parse_target("http://127.0.0.1:8765/hook", LOCAL)
    assert str(resolve_target(target, LOCAL)) == "127.0.0.1"


def test_resolution_is_checked_at_send_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # A public-looking name whose DNS answer is (or becomes) internal: refused when resolved.
    answers = {"rebind.example.com": ["93.184.216.34", "127.0.0.1"]}

    def fake_getaddrinfo(host: str, port: int, **_: object) -> list[tuple[object, ...]]:
        return [(2, 1, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr("socket.getaddrinfo", fake_getaddrinfo)
    target = parse_target("https://rebind.example.com/", STRICT)
    with pytest.raises(UnsafeWebhookUrl, match="non-public"):
        resolve_target(target, STRICT)
    with pytest.raises(UnsafeWebhookUrl, match="non-public"):
        check_registration("https://rebind.example.com/", STRICT)
    answers["rebind.example.com"] = ["93.184.216.34"]
    assert str(resolve_target(target, STRICT)) == "93.184.216.34"


def test_a_name_that_does_not_resolve_yet_can_be_registered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_answer(*_: object, **__: object) -> None:
        raise OSError("no such host")

    monkeypatch.setattr("socket.getaddrinfo", no_answer)
    check_registration("https://hooks.example.org/", STRICT)
    with pytest.raises(UnsafeWebhookUrl, match="does not resolve"):
        resolve_target(WebhookTarget("https", "hooks.example.org", 443, None), STRICT)

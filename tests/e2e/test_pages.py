"""The capture page and the review console in Debian's Chromium, against the real stack.

Chromium is never downloaded: Playwright drives /usr/bin/chromium (`apt-get install chromium`).
Screenshots of every page land in test-artifacts/pages/ (git-ignored).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from .conftest import Stack
from .pages_media import blurred, fake_camera_video

pytestmark = pytest.mark.e2e

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pages"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
Page = Any  # playwright.sync_api.Page


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is missing: apt-get install chromium")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def camera_browser(playwright: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium whose camera plays the specimen passport, then the selfie, in a loop."""
    video = fake_camera_video(tmp_path_factory.mktemp("camera") / "specimens.y4m")
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            *FLAGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    """Chromium with no camera at all."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
    yield browser
    browser.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def create_session(stack: Stack, *, screening: bool, **extra: str) -> dict[str, Any]:
    form = {
        "type": "document",
        "options[document][require_matching_selfie]": "true",
        "options[screening][enabled]": "true" if screening else "false",
        **extra,
    }
    response = stack.client.http.post("/v1/identity/verification_sessions", data=form)
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()
    return session


def watch_requests(page: Page, api_url: str) -> list[str]:
    """Every request the page makes that does not go to the API's own origin."""
    foreign: list[str] = []
    origin = urlsplit(api_url)

    def seen(request: Any) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("blob", "data"):
            return
        if (url.scheme, url.netloc) != (origin.scheme, origin.netloc):
            foreign.append(request.url)

    page.on("request", seen)
    return foreign


def consent(page: Page) -> None:
    page.get_by_role("heading", name="Verify your identity").wait_for()
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Start").click()


def scene_of_preview(page: Page) -> str:
    """Which camera scene the photo shows, from its corner pixel (see pages_media)."""
    r, _g, b = page.evaluate(
        """() => {
            const img = document.getElementById('preview');
            const c = document.createElement('canvas');
            c.width = img.naturalWidth; c.height = img.naturalHeight;
            const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
            return Array.from(ctx.getImageData(4, 4, 1, 1).data.slice(0, 3));
        }"""
    )
    return "passport" if b > r else "selfie"


def until(page: Page, predicate: str, timeout: float = 20.0) -> None:
    """Poll a JS predicate (the page's CSP forbids the eval behind `wait_for_function`)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {predicate}"
        time.sleep(0.1)


def take_photo_of(page: Page, scene: str) -> None:
    """Take photos until one shows `scene` (the fake camera alternates) and passes its checks."""
    until(page, "() => document.getElementById('video').videoWidth > 0")
    for _ in range(30):
        page.get_by_role("button", name="Take photo").click()
        page.locator("#preview").wait_for(state="visible")
        until(page, "() => document.getElementById('preview').complete")
        page.locator("#use:visible, #capture-error:visible").first.wait_for()
        if scene_of_preview(page) == scene and page.locator("#use").is_visible():
            return
        page.get_by_role("button", name="Retake").click()
        time.sleep(0.5)
    pytest.fail(f"the camera never showed the {scene} with a photo that passed its checks")


def test_capture_with_the_fake_camera_ends_verified_and_returns(
    stack: Stack, camera_browser: Any
) -> None:
    api = stack.dev.settings.resolved_public_url
    return_url = f"{api}/healthz"
    session = create_session(stack, screening=False, return_url=return_url)
    assert "#" in session["url"] and "?" not in session["url"]
    context = camera_browser.new_context(viewport=PHONE, permissions=["camera"])
    page = context.new_page()
    foreign = watch_requests(page, api)
    page.goto(session["url"])
    assert "#" not in page.url  # the client_secret leaves the address bar at once
    consent(page)
    page.get_by_role("heading", name="Front of your passport").wait_for()
    take_photo_of(page, "passport")
    shot(page, "capture-document")
    page.get_by_role("button", name="Use this photo").click()
    page.get_by_role("heading", name="Take a selfie").wait_for()
    take_photo_of(page, "selfie")
    shot(page, "capture-selfie")
    page.get_by_role("button", name="Use this photo").click()
    page.get_by_role("heading", name="Checking your documents").wait_for()
    shot(page, "capture-processing")
    page.get_by_role("heading", name="You are verified").wait_for(timeout=240_000)
    shot(page, "capture-verified")
    page.wait_for_url(return_url, timeout=10_000)
    assert stack.client.session(session["id"])["status"] == "verified"
    assert foreign == []
    context.close()


def test_upload_fallback_without_a_camera_goes_to_review_with_an_email_promise(
    stack: Stack, browser: Any
) -> None:
    session = create_session(stack, screening=True)  # no list imported: review (settings)
    page = browser.new_page(viewport=PHONE)
    page.goto(session["url"])
    shot(page, "capture-consent")
    consent(page)
    page.get_by_text("No camera is available: upload a photo instead.").wait_for()
    steps = (("document", "Front of your passport", stack.document),)
    steps += (("selfie", "Take a selfie", stack.selfie),)
    for purpose, heading, image in steps:
        page.get_by_role("heading", name=heading).wait_for()
        page.get_by_label("Or upload a photo instead").set_input_files(
            {"name": f"{purpose}.jpg", "mimeType": "image/jpeg", "buffer": image}
        )
        page.get_by_text("The photo looks good.").wait_for()
        if purpose == "document":
            shot(page, "capture-upload")
        page.get_by_role("button", name="Use this photo").click()
    page.get_by_role("heading", name="we are reviewing your documents").wait_for(timeout=240_000)
    page.get_by_text("We'll email you").wait_for()
    shot(page, "capture-needs-review")
    assert stack.client.session(session["id"])["status"] == "needs_review"
    page.close()


def test_a_test_mode_session_simulates_the_picked_outcome_without_photos(
    stack: Stack, browser: Any
) -> None:
    session = create_session(stack, screening=False)  # made with the dev platform's test key
    page = browser.new_page(viewport=PHONE)
    page.goto(session["url"])
    page.get_by_role("heading", name="Verify your identity").wait_for()
    page.get_by_label("Outcome").select_option("document_expired")
    shot(page, "capture-test-mode")
    consent(page)
    page.get_by_text("The document has expired.").wait_for(timeout=30_000)
    assert stack.client.session(session["id"])["last_error"]["code"] == "document_expired"
    page.get_by_label("Outcome").select_option("verified")
    consent(page)
    page.get_by_role("heading", name="You are verified").wait_for(timeout=30_000)
    assert stack.client.session(session["id"])["status"] == "verified"
    page.close()


def test_a_blurry_photo_is_refused_with_its_message_before_submission(
    stack: Stack, browser: Any
) -> None:
    session = create_session(stack, screening=False)
    page = browser.new_page(viewport=PHONE)
    page.goto(session["url"])
    consent(page)
    page.get_by_label("Or upload a photo instead").set_input_files(
        {"name": "blurry.jpg", "mimeType": "image/jpeg", "buffer": blurred(stack.document)}
    )
    alert = page.get_by_role("alert").filter(has_text="too blurry")
    alert.wait_for()
    assert "hold the camera still" in alert.inner_text()
    assert not page.get_by_role("button", name="Use this photo").is_visible()
    shot(page, "capture-blurry")
    # Nothing was stored: the session has no upload and still requires input.
    status = page.evaluate(
        """async ([id, secret]) => (await fetch('/verify/' + id + '/status',
            {headers: {Authorization: 'Bearer ' + secret}})).json()""",
        [session["id"], session["client_secret"]],
    )
    assert status["uploaded"] == [] and status["status"] == "requires_input"
    page.close()


def test_a_used_or_unknown_link_shows_a_message_not_a_stack_trace(
    stack: Stack, browser: Any
) -> None:
    session = create_session(stack, screening=False)
    stack.client.http.post(f"/v1/identity/verification_sessions/{session['id']}/cancel")
    assert status_becomes(stack, session["id"], "canceled")["status"] == "canceled"
    page = browser.new_page(viewport=PHONE)
    page.goto(session["url"])
    page.get_by_role("heading", name="This verification is closed").wait_for()
    shot(page, "capture-closed")
    # A wrong secret in the same tab (only the fragment changes: the page starts over).
    page.goto(session["url"].replace("_secret_", "_secret_x"))
    page.get_by_role("heading", name="This link is not valid").wait_for()
    page.close()
    page = browser.new_page(viewport=PHONE)
    page.goto(session["url"].split("#")[0])
    page.get_by_role("heading", name="This link is incomplete").wait_for()
    assert "Traceback" not in page.content()
    page.close()


def test_live_capture_only_sessions_offer_no_upload_and_ask_for_the_camera(
    stack: Stack, browser: Any
) -> None:
    session = create_session(
        stack, screening=False, **{"options[document][require_live_capture]": "true"}
    )
    page = browser.new_page(viewport=PHONE)
    page.goto(session["url"])
    consent(page)
    page.get_by_role("alert").filter(has_text="needs your camera").wait_for()
    assert not page.get_by_label("Or upload a photo instead").is_visible()
    page.close()


# --- review console ------------------------------------------------------------------------------


def submit_specimen(stack: Stack) -> str:
    session = create_session(stack, screening=True)
    stack.client.upload(session["id"], "document_front", stack.document, "passport.jpg")
    stack.client.upload(session["id"], "selfie", stack.selfie, "selfie.jpg")
    stack.client.submit(session["id"])
    return str(session["id"])


@pytest.fixture(scope="module")
def review_cases(stack: Stack) -> list[str]:
    """Three sessions waiting for a reviewer (screening asked for, no list imported)."""
    ids = [submit_specimen(stack) for _ in range(3)]
    for session_id in ids:
        pending = stack.client.follow(session_id, timeout=300)
        assert pending["status"] == "needs_review", pending.get("last_error")
    return ids


def reviewer_key(stack: Stack) -> str:
    return str(stack.reviewer.http.headers["Authorization"]).removeprefix("Bearer ")


def sign_in(stack: Stack, browser: Any) -> Page:
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{stack.dev.settings.resolved_public_url}/review")
    page.get_by_label("Reviewer key").fill("rk_not_a_key")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="not a valid reviewer key").wait_for()
    shot(page, "review-sign-in")
    page.get_by_label("Reviewer key").fill(reviewer_key(stack))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Pending reviews").wait_for()
    return page


def status_becomes(stack: Stack, session_id: str, status: str) -> dict[str, Any]:
    return stack.client.follow(session_id, timeout=30, until=frozenset({status}))


def test_a_reviewer_signs_in_approves_one_case_and_rejects_another(
    stack: Stack, browser: Any, review_cases: list[str]
) -> None:
    approve_id, reject_id, _ = review_cases
    page = sign_in(stack, browser)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["kyc_reviewer"]["httpOnly"] and cookies["kyc_reviewer"]["sameSite"] == "Strict"
    rows = page.locator("table.queue tbody tr")
    queue = [rows.nth(i).locator("a").inner_text() for i in range(rows.count())]
    assert {approve_id, reject_id} <= set(queue)
    pending = stack.reviewer.reviews()  # the API's queue: oldest first
    assert queue == [case["id"] for case in pending]
    since = [case["pending_since"] for case in pending]
    assert since == sorted(since)
    assert "screening_not_run" in page.locator("table.queue").inner_text()
    shot(page, "review-queue")
    page.get_by_label("Reason").select_option("screening_not_run")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/review?reason=screening_not_run")
    assert page.locator("table.queue tbody tr").count() == len(queue)
    page.goto(f"{stack.dev.settings.resolved_public_url}/review?reason=duplicate_face")
    assert "No case is waiting for a reviewer with reason duplicate_face" in page.inner_text("main")
    page.get_by_role("link", name="kycflow").click()

    page.get_by_role("link", name=approve_id).click()
    page.get_by_role("heading", name=f"Case {approve_id}").wait_for()
    assert page.locator("img[alt='portrait from the document']").evaluate("i => i.naturalWidth") > 0
    assert "threshold" in page.locator("#face-distance").inner_text()
    assert "mrz" in page.get_by_role("table").filter(has_text="Document number").inner_text()
    link = page.get_by_role("link", name="Open in Temporal UI").get_attribute("href")
    ui = stack.dev.settings.resolved_temporal_ui_url
    assert link == f"{ui}/namespaces/default/workflows/{approve_id}"
    shot(page, "review-case")
    page.get_by_label("Note").fill("Document and selfie match; screening not run.")
    page.get_by_role("button", name="Approve").click()
    page.locator("#outcome").filter(has_text="the session is now verified").wait_for()
    shot(page, "review-approved")
    assert status_becomes(stack, approve_id, "verified")["status"] == "verified"
    page.reload()
    assert "Document and selfie match" in page.locator("#audit").inner_text()

    page.goto(f"{stack.dev.settings.resolved_public_url}/review/cases/{reject_id}")
    page.get_by_label("Reason code").select_option("document_unverified_other")
    page.get_by_label("Note").fill("Portrait looks printed over.")
    page.get_by_role("button", name="Reject").click()
    page.locator("#outcome").filter(has_text="the session is now canceled").wait_for()
    final = status_becomes(stack, reject_id, "canceled")
    assert final["last_error"]["code"] == "document_unverified_other"
    page.goto(f"{stack.dev.settings.resolved_public_url}/review")
    assert approve_id not in page.locator("main").inner_text()
    assert reject_id not in page.locator("main").inner_text()
    page.close()


def test_a_decision_on_a_case_decided_meanwhile_is_refused(
    stack: Stack, browser: Any, review_cases: list[str]
) -> None:
    session_id = review_cases[2]
    page = sign_in(stack, browser)
    page.goto(f"{stack.dev.settings.resolved_public_url}/review/cases/{session_id}")
    # Another reviewer decides first (through the API) while this page is open.
    assert stack.reviewer.decide_review(session_id, "approve")["status"] == "verified"
    page.get_by_role("button", name="Reject").click()
    refusal = page.locator("#outcome")
    refusal.filter(has_text="Decision refused").wait_for()
    assert "No review is pending" in refusal.inner_text() or "finished" in refusal.inner_text()
    shot(page, "review-refused")
    assert status_becomes(stack, session_id, "verified")["status"] == "verified"
    page.close()


def test_the_console_needs_a_signed_in_reviewer_and_a_csrf_token(
    stack: Stack, review_cases: list[str]
) -> None:
    http = stack.client.http
    capture = http.get(f"/verify/{review_cases[0]}")
    assert "default-src 'self'" in capture.headers["content-security-policy"]
    assert capture.headers["cache-control"] == "no-store"
    assert "<script>" not in capture.text  # no inline script: the CSP would block it
    page = http.get(f"/review/cases/{review_cases[0]}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/review"
    image = http.get(f"/review/cases/{review_cases[0]}/images/selfie")
    assert image.status_code == 403
    forged = http.post(
        f"/review/cases/{review_cases[0]}/decision",
        data={"decision": "approve", "csrf": "guess"},
        cookies={"kyc_reviewer": reviewer_key(stack), "kyc_csrf": "other"},
    )
    assert forged.status_code == 403

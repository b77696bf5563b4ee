// Hosted capture page: consent, document front (and back), selfie, then the outcome.
// The client_secret arrives in the URL fragment (never sent to a server by the browser); it is
// moved to sessionStorage and dropped from the address bar, and sent only as a bearer token.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const sessionId = location.pathname.split("/").filter(Boolean)[1] || "";
  const storeKey = "kyc-secret:" + sessionId;
  let secret = "";
  try {
    secret = decodeURIComponent(location.hash.slice(1));
  } catch (_) {
    secret = ""; // a mangled link: reported as incomplete below
  }
  if (secret) {
    sessionStorage.setItem(storeKey, secret);
    history.replaceState(null, "", location.pathname);
  } else {
    secret = sessionStorage.getItem(storeKey) || "";
  }

  const TYPES = { passport: "Passport", id_card: "ID card", driving_license: "Driving licence" };
  const state = { status: null, steps: [], index: 0, photo: null, docType: null };

  function show(name) {
    for (const el of document.querySelectorAll(".screen")) el.hidden = el.id !== "screen-" + name;
    const heading = document.querySelector("#screen-" + name + " h1");
    if (heading) heading.focus();
  }

  function message(title, text, link) {
    stopCamera();
    $("message-title").textContent = title;
    $("message-text").textContent = text;
    const old = document.getElementById("message-link");
    if (old) old.remove();
    if (link) {
      const a = document.createElement("a");
      a.id = "message-link";
      a.className = "button primary";
      a.href = link;
      a.textContent = "Continue";
      $("screen-message").appendChild(a);
    }
    renderProgress();
    show("message");
  }

  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      body,
      headers: { Authorization: "Bearer " + secret },
      credentials: "omit",
      cache: "no-store",
    });
    let json = {};
    try {
      json = await response.json();
    } catch (_) {
      json = {};
    }
    return { ok: response.ok, code: response.status, body: json };
  }

  function errorText(result) {
    const error = result.body && result.body.error;
    return (error && error.message) || "Something went wrong (" + result.code + "). Try again.";
  }

  function safeReturnUrl() {
    const url = state.status && state.status.return_url;
    if (!url) return null;
    try {
      const parsed = new URL(url);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  // --- loading and routing -------------------------------------------------------------------

  async function load() {
    if (!secret || !sessionId) {
      message("This link is incomplete", "Open the verification link you were given again, exactly as it was sent to you.");
      return;
    }
    let result;
    try {
      result = await api("GET", "/verify/" + sessionId + "/status");
    } catch (_) {
      message("No connection", "Check your internet connection and reload this page.");
      return;
    }
    if (!result.ok) {
      message("This link is not valid", "It may have expired or already been used. Ask for a new verification link.");
      return;
    }
    state.status = result.body;
    route();
  }

  function route() {
    const s = state.status;
    if (s.redacted) {
      message("This verification was removed", "Its data has been deleted. Ask for a new verification link if you still need one.");
    } else if (s.expired) {
      message("This link has expired", "Ask for a new verification link.");
    } else if (s.status === "canceled") {
      const abandoned = s.last_error && s.last_error.code === "abandoned";
      message(
        abandoned ? "This link has expired" : "This verification is closed",
        abandoned
          ? "It was not completed in time. Ask for a new verification link."
          : "It was canceled or has already been completed. Ask for a new verification link if you still need one.",
      );
    } else if (s.status === "verified" || s.status === "needs_review") {
      outcome(s.status);
    } else if (s.status === "processing") {
      processing();
    } else {
      consent();
    }
  }

  // --- consent ---------------------------------------------------------------------------------

  function consent() {
    const s = state.status;
    $("consent-selfie").hidden = !s.require_matching_selfie;
    const select = $("doctype");
    select.replaceChildren();
    for (const type of s.allowed_types) {
      const option = document.createElement("option");
      option.value = type;
      option.textContent = TYPES[type] || type;
      select.appendChild(option);
    }
    $("doctype-field").hidden = s.allowed_types.length < 2;
    const retry = $("consent-retry");
    retry.hidden = !s.last_error;
    if (s.last_error) {
      retry.textContent = "Your last attempt could not be verified: " + (s.last_error.reason || s.last_error.code) + " Please try again.";
    }
    show("consent");
  }

  $("consent-box").addEventListener("change", (e) => {
    $("consent-go").disabled = !e.target.checked;
  });
  $("consent-decline").addEventListener("click", () => {
    message("You did not give consent", "Nothing was sent. You can close this page, or reopen the link if you change your mind.");
  });
  $("consent-go").addEventListener("click", () => {
    const s = state.status;
    // Test mode only (the server renders the picker for test sessions): an outcome to simulate
    // needs no photo, so the submission goes at once.
    const simulate = $("simulate") && $("simulate").value;
    if (simulate) {
      submit(simulate);
      return;
    }
    state.docType = $("doctype").value || s.allowed_types[0];
    const steps = ["document_front"];
    if (state.docType !== "passport") steps.push("document_back");
    if (s.require_matching_selfie) steps.push("selfie");
    // A reload after some uploads resumes where the person left off.
    const done = new Set(s.last_error ? [] : s.uploaded || []);
    state.steps = steps;
    state.index = steps.findIndex((p) => !done.has(p));
    if (state.index < 0) {
      submit();
    } else {
      captureStep();
    }
  });

  // --- capture ---------------------------------------------------------------------------------

  function renderProgress() {
    const list = $("progress");
    list.replaceChildren();
    state.steps.forEach((purpose, i) => {
      const li = document.createElement("li");
      li.textContent = stepLabel(purpose);
      if (i === state.index) li.setAttribute("aria-current", "step");
      if (i < state.index) li.className = "done";
      list.appendChild(li);
    });
  }

  function stepLabel(purpose) {
    if (purpose === "selfie") return "Selfie";
    return (purpose === "document_back" ? "Back" : "Front") + " of document";
  }

  const stopCamera = () => KycCamera.stop($("video"));

  async function captureStep() {
    const purpose = state.steps[state.index];
    const name = TYPES[state.docType] || "document";
    const selfie = purpose === "selfie";
    $("capture-title").textContent = selfie
      ? "Take a selfie"
      : (purpose === "document_back" ? "Back of your " : "Front of your ") + name.toLowerCase();
    $("capture-hint").textContent = selfie
      ? "Look straight at the camera with your face inside the oval, in good light, alone."
      : "Place the document inside the frame on a flat, dark surface. Avoid glare and make sure all text is sharp.";
    $("guide").className = "guide " + (selfie ? "face" : "doc");
    $("viewer").classList.toggle("mirror", selfie);
    renderProgress();
    resetCapture();
    show("capture");
    stopCamera();
    const live = state.status.require_live_capture;
    $("upload-box").hidden = live;
    $("capture-status").textContent = "Starting the camera…";
    const started = await KycCamera.start($("video"), selfie);
    if (started) {
      $("capture-status").textContent = "";
      $("take").hidden = false;
      $("video").hidden = false;
      $("guide").hidden = false;
    } else if (live) {
      $("capture-status").textContent = "";
      showError("This verification needs your camera. Allow camera access in your browser settings and reload the page.");
    } else {
      $("capture-status").textContent = "No camera is available: upload a photo instead.";
      $("video").hidden = true;
      $("guide").hidden = true;
    }
  }

  function resetCapture() {
    state.photo = null;
    $("preview").hidden = true;
    $("preview").removeAttribute("src");
    $("take").hidden = !KycCamera.live();
    $("video").hidden = !KycCamera.live();
    $("guide").hidden = !KycCamera.live();
    $("use").hidden = true;
    $("retake").hidden = true;
    $("capture-error").hidden = true;
    $("file").value = "";
  }

  function showError(text) {
    const box = $("capture-error");
    box.textContent = text;
    box.hidden = false;
  }

  $("take").addEventListener("click", () => {
    if ($("video").videoWidth) KycCamera.still($("video"), checkPhoto);
  });

  $("file").addEventListener("change", (e) => {
    const file = e.target.files && e.target.files[0];
    if (file) checkPhoto(file);
  });

  $("retake").addEventListener("click", () => {
    resetCapture();
    $("capture-status").textContent = "";
    ($("take").hidden ? $("file") : $("take")).focus();
  });

  // One photo to the capture check or the files endpoint; a network failure is an error result.
  async function postPhoto(path, purpose, blob) {
    const form = new FormData();
    form.append("purpose", purpose);
    form.append("file", blob, "photo.jpg");
    try {
      return await api("POST", path, form);
    } catch (_) {
      return { ok: false, code: 0, body: {} };
    }
  }

  async function checkPhoto(blob) {
    const purpose = state.steps[state.index];
    state.photo = blob;
    const preview = $("preview");
    preview.src = URL.createObjectURL(blob);
    preview.hidden = false;
    $("video").hidden = true;
    $("guide").hidden = true;
    $("take").hidden = true;
    $("capture-error").hidden = true;
    $("capture-status").textContent = "Checking the photo…";
    const result = await postPhoto("/verify/" + sessionId + "/check", purpose, blob);
    $("retake").hidden = false;
    if (result.ok && result.body.passed) {
      $("capture-status").textContent = "The photo looks good.";
      $("use").hidden = false;
      $("use").focus();
    } else {
      $("capture-status").textContent = "";
      showError(result.ok ? result.body.message : errorText(result));
      $("retake").focus();
    }
  }

  $("use").addEventListener("click", async () => {
    const purpose = state.steps[state.index];
    $("use").disabled = true;
    $("capture-status").textContent = "Uploading…";
    const path = "/v1/identity/verification_sessions/" + sessionId + "/files";
    const result = await postPhoto(path, purpose, state.photo);
    $("use").disabled = false;
    if (!result.ok) {
      $("capture-status").textContent = "";
      $("use").hidden = true;
      showError(errorText(result));
      return;
    }
    state.index += 1;
    if (state.index < state.steps.length) {
      captureStep();
    } else {
      submit();
    }
  });

  // --- submission and outcome ------------------------------------------------------------------

  async function submit(simulate) {
    stopCamera();
    renderProgress();
    show("processing");
    let result;
    const body = simulate ? new URLSearchParams({ simulate }) : undefined;
    try {
      result = await api("POST", "/v1/identity/verification_sessions/" + sessionId + "/submit", body);
    } catch (_) {
      result = { ok: false, code: 0, body: {} };
    }
    if (!result.ok) {
      message("We could not send your photos", errorText(result));
      return;
    }
    processing();
  }

  function processing() {
    show("processing");
    const started = Date.now();
    const before = (state.status && state.status.attempt) || 0;
    let seenProcessing = false;
    const poll = async () => {
      let result;
      try {
        result = await api("GET", "/verify/" + sessionId + "/status");
      } catch (_) {
        result = { ok: false };
      }
      if (result.ok) {
        const s = result.body;
        state.status = s;
        if (s.status === "processing") seenProcessing = true;
        // The row says requires_input until the workflow records `processing`: wait for it, or
        // for the attempt's outcome (a simulated one can pass between two polls).
        const decided = seenProcessing || (s.attempt || 0) > before;
        const settled = s.status !== "processing" && (s.status !== "requires_input" || decided || Date.now() - started > 15000);
        if (settled) {
          route();
          return;
        }
      }
      setTimeout(poll, 1000);
    };
    setTimeout(poll, 500);
  }

  function outcome(status) {
    const back = safeReturnUrl();
    if (status === "verified") {
      message("You are verified", back ? "Thank you. Taking you back…" : "Thank you. You can close this page.", back);
    } else {
      message(
        "Thanks, we are reviewing your documents",
        "A person will check them. We'll email you when it's done; you can close this page.",
        back,
      );
    }
    if (back && status === "verified") setTimeout(() => location.assign(back), 2500);
  }

  // A new link pasted into this tab changes only the fragment: start over with its secret.
  window.addEventListener("hashchange", () => location.reload());

  load();
})();

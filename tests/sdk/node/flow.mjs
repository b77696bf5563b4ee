// One platform's integration through the official stripe Node SDK, pointed at kycflow:
// create, upload (our files endpoint), submit, poll, retrieve with expand, list with filters,
// cancel, redact, and the SDK's own webhook signature check. Exits non-zero on any mismatch.
import { readFile } from "node:fs/promises";
import assert from "node:assert/strict";
import Stripe from "stripe";

const api = new URL(process.env.KYC_API_URL);
const key = process.env.KYC_SECRET_KEY;
const stripe = new Stripe(key, {
  host: api.hostname,
  port: Number(api.port),
  protocol: api.protocol.replace(":", ""),
  maxNetworkRetries: 0,
});
const sessions = stripe.identity.verificationSessions;
const auth = { Authorization: `Bearer ${key}` };
const base = `${api.origin}/v1/identity/verification_sessions`;

const created = await sessions.create({
  type: "document",
  options: { document: { allowed_types: ["passport"] }, screening: { enabled: false } },
  metadata: { user: "42" },
  client_reference_id: "node-sdk-1",
});
assert.equal(created.status, "requires_input");
assert.ok(created.client_secret.startsWith(created.id));

const form = new FormData();
form.append("purpose", "document_front");
const image = await readFile(process.env.KYC_DOCUMENT_IMAGE);
form.append("file", new Blob([image], { type: "image/jpeg" }), "passport.jpg");
const uploaded = await fetch(`${base}/${created.id}/files`, { method: "POST", body: form, headers: auth });
assert.equal(uploaded.status, 200, await uploaded.text());
const submitted = await fetch(`${base}/${created.id}/submit`, { method: "POST", headers: auth });
assert.equal(submitted.status, 200, await submitted.text());

let session = await sessions.retrieve(created.id);
for (let i = 0; i < 600 && session.status === "processing"; i++) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  session = await sessions.retrieve(created.id);
}
assert.equal(session.status, "verified", JSON.stringify(session.last_error));

const expanded = await sessions.retrieve(created.id, { expand: ["last_verification_report", "verified_outputs"] });
assert.equal(expanded.last_verification_report.object, "identity.verification_report");
assert.equal(expanded.last_verification_report.document.status, "verified");
assert.ok(expanded.verified_outputs.last_name);
const report = await stripe.identity.verificationReports.retrieve(session.last_verification_report);
assert.equal(report.verification_session, created.id);

const listed = await sessions.list({ client_reference_id: "node-sdk-1", limit: 5 });
assert.deepEqual(listed.data.map((s) => s.id), [created.id]);
const reports = await stripe.identity.verificationReports.list({ verification_session: created.id });
assert.deepEqual(reports.data.map((r) => r.id), [report.id]);
const events = await stripe.events.list({ types: ["identity.verification_session.verified"] });
assert.ok(events.data.some((e) => e.data.object.id === created.id));

const other = await sessions.create({ type: "document" });
const canceled = await sessions.cancel(other.id);
assert.equal(canceled.status, "canceled");
await assert.rejects(sessions.cancel(other.id), (err) => err.statusCode === 400);

const redacted = await sessions.redact(created.id);
assert.ok(redacted.redaction);
await assert.rejects(sessions.retrieve("vs_doesnotexist"), (err) => err.statusCode === 404);

const event = stripe.webhooks.constructEvent(
  process.env.KYC_WEBHOOK_PAYLOAD,
  process.env.KYC_WEBHOOK_SIGNATURE,
  process.env.KYC_WEBHOOK_SECRET,
);
assert.equal(event.type, "identity.verification_session.verified");
assert.throws(() =>
  stripe.webhooks.constructEvent(process.env.KYC_WEBHOOK_PAYLOAD, process.env.KYC_WEBHOOK_SIGNATURE, "whsec_other"),
);
console.log("node sdk flow: ok");

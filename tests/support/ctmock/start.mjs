// Starts @labdigital/commercetools-mock on 127.0.0.1:$PORT for ctbridge's contract tests.
//
// The mock is used as an independent check of our client, so only gaps that would make a correct
// client fail are patched here, each following the commercetools documentation:
//   - generic query endpoints drop `sort`: storage defaults to "id asc" (keyset paging needs it);
//   - any client credentials get a token: CLIENT_ID/CLIENT_SECRET, when set, are enforced;
//   - subscriptions only know `setKey`: setMessages, setChanges, setEvents, changeDestination.
// Test-only routes: POST /__seed/:projectKey/:typeId (one resource or an array, stored as given),
// POST /__reset (drop all resources), POST /__revoke-tokens (every issued token becomes invalid).
import { randomUUID } from "node:crypto";
import { CommercetoolsMock, InMemoryStorage } from "@labdigital/commercetools-mock";

class IdSortedStorage extends InMemoryStorage {
  query(projectKey, typeId, params) {
    return super.query(projectKey, typeId, { ...params, sort: params.sort ?? "id asc" });
  }
}

const port = Number(process.env.PORT ?? 8989);
const projectKey = process.env.PROJECT_KEY ?? "test-project";
const clientId = process.env.CLIENT_ID;
const clientSecret = process.env.CLIENT_SECRET;

const mock = new CommercetoolsMock({
  defaultProjectKey: projectKey,
  enableAuthentication: true,
  validateCredentials: true,
  strict: true,
  storage: new IdSortedStorage(),
});

const subscriptionActions = mock._repositories.subscription.actions;
Object.assign(subscriptionActions, {
  setMessages(_context, resource, { messages }) {
    resource.messages = messages ?? [];
  },
  setChanges(_context, resource, { changes }) {
    resource.changes = changes ?? [];
  },
  setEvents(_context, resource, { events }) {
    resource.events = events ?? [];
  },
  changeDestination(_context, resource, { destination }) {
    resource.destination = destination;
  },
});

function basicCredentials(header) {
  if (!header?.startsWith("Basic ")) return null;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? null : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

mock.app.addHook("onRequest", async (request, reply) => {
  if (!clientId || request.method !== "POST" || !request.url.startsWith("/oauth/token")) return;
  const given = basicCredentials(request.headers.authorization);
  if (!given || given[0] !== clientId || given[1] !== clientSecret) {
    reply.code(401).send({
      statusCode: 401,
      message: "Please provide valid client credentials using HTTP Basic Authentication.",
      errors: [{ code: "invalid_client", message: "invalid client credentials" }],
      error: "invalid_client",
      error_description: "Please provide valid client credentials using HTTP Basic Authentication.",
    });
  }
});

mock.app.post("/__seed/:pk/:type", async (request) => {
  const project = mock.project(request.params.pk);
  const drafts = Array.isArray(request.body) ? request.body : [request.body];
  const stored = [];
  for (const draft of drafts) {
    const resource = { id: randomUUID(), version: 1, ...draft };
    await project.unsafeAdd(request.params.type, resource);
    stored.push(await project.get(request.params.type, resource.id));
  }
  return Array.isArray(request.body) ? stored : stored[0];
});

mock.app.post("/__reset", async () => {
  await mock.clear();
  return { ok: true };
});

mock.app.post("/__revoke-tokens", async () => {
  mock.authStore().tokens.length = 0;
  return { ok: true };
});

mock.app.get("/__health", async () => ({ ok: true }));

await mock.app.listen({ host: "127.0.0.1", port });
process.stdout.write(`commercetools-mock listening on http://127.0.0.1:${port}\n`);

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    mock.app.close().finally(() => process.exit(0));
  });
}

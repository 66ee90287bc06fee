// The admin page's behaviour: refresh the server-rendered overview, act on dead letters.
// URLs are built from location.origin: a page opened as http://user:pass@host/admin would
// otherwise resolve relative fetches to URLs with credentials, which fetch() refuses.
const overview = document.getElementById("overview");
const status = document.getElementById("status");
const detail = document.getElementById("detail");
const refreshMs = Number(overview.dataset.refreshMs) || 3000;

const url = (path) => new URL(path, location.origin);

// An action's outcome stays readable for a while: the refresh that follows it (and the timer's
// next ones) must not replace "replayed 1" with "updated ..." at once.
const ACTION_MESSAGE_MS = 8000;
let actionSaidAt = 0;

function say(message, state = "ok", { fromAction = false } = {}) {
  if (!fromAction && state === "ok" && Date.now() - actionSaidAt < ACTION_MESSAGE_MS) return;
  if (fromAction) actionSaidAt = Date.now();
  status.textContent = message;
  status.dataset.state = state;
}

const report = (message, state = "ok") => say(message, state, { fromAction: true });

async function call(path, body) {
  const response = await fetch(url(path), {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  if (!response.ok) {
    // The API says why in `detail` (e.g. a take-over refused while the run is alive).
    const detail = await response.json().then((body) => body.detail, () => undefined);
    throw new Error(`${path}: HTTP ${response.status}${detail ? ` (${detail})` : ""}`);
  }
  return response;
}

async function refresh() {
  try {
    const response = await call("/admin/overview");
    overview.innerHTML = await response.text();
    say(`updated ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    say(`refresh failed: ${error.message}`, "error");
  }
}

async function show(id) {
  const letter = await (await call(`/admin/api/dead-letters/${id}`)).json();
  document.getElementById("detail-title").textContent =
    `Dead letter ${letter.task_id}: ${letter.type} for ${letter.connector}`;
  document.getElementById("detail-body").textContent = JSON.stringify(letter, null, 2);
  detail.showModal();
}

const actions = {
  show: (id) => show(id),
  replay: async (id) => {
    const { replayed } = await (await call("/admin/api/dead-letters/replay", { ids: [id] })).json();
    report(`replayed ${replayed}`);
  },
  purge: async (id) => {
    if (!confirm(`Purge dead letter ${id}? Its message will not be processed.`)) return;
    const { purged } = await (await call("/admin/api/dead-letters/purge", { ids: [id] })).json();
    report(`purged ${purged}`);
  },
  takeover: async (id) => {
    if (!confirm(`Take over job run ${id}? Do this only if its process is gone.`)) return;
    const { run_id } = await (await call(`/admin/api/jobs/runs/${id}/takeover`, {})).json();
    report(`run ${run_id} took over run ${id}`);
  },
  "replay-all": async () => {
    const { replayed } = await (await call("/admin/api/dead-letters/replay", {})).json();
    report(`replayed ${replayed}`);
  },
  "purge-all": async () => {
    if (!confirm("Purge all dead letters? Their messages will not be processed.")) return;
    const { purged } = await (await call("/admin/api/dead-letters/purge", {})).json();
    report(`purged ${purged}`);
  },
};

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const action = actions[button.dataset.action];
  if (!action) return;
  button.disabled = true;
  try {
    await action(Number(button.dataset.id));
    if (button.dataset.action !== "show") await refresh();
  } catch (error) {
    report(`${button.dataset.action} failed: ${error.message}`, "error");
  } finally {
    button.disabled = false;
  }
});

let timer = setInterval(refresh, refreshMs);
document.addEventListener("visibilitychange", () => {
  clearInterval(timer);
  if (!document.hidden) {
    refresh();
    timer = setInterval(refresh, refreshMs);
  }
});

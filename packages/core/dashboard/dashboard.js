// Convoy's dev dashboard: plain DOM, no framework. Talks to the dev server's /api/_dev/ routes.
// Every value from the database or a function is rendered as text (never as HTML).

const API = "/api/_dev/";
const POLL_MS = 1000;
const PAGE_SIZE = 25;

/** `h("td", { class: "x" }, "text", child)`: a DOM element; strings become text nodes. */
function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

/** Append children (nested arrays flattened; `null`, `undefined` and `false` skipped). */
function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** Replace an element's children (as {@link append}). */
function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

async function api(path, init) {
  const response = await fetch(API + path, init);
  const body = await response.json().catch(() => ({ error: { code: "INTERNAL", message: `HTTP ${response.status}` } }));
  if (!response.ok && body.error === undefined) body.error = { code: "INTERNAL", message: `HTTP ${response.status}` };
  return { status: response.status, body };
}

function pretty(value) {
  return JSON.stringify(value, null, 2);
}

/** A short one-line rendering of a cell value. */
function cellText(value) {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

function formatTime(ms) {
  const date = new Date(ms);
  return `${date.toLocaleDateString()} ${date.toLocaleTimeString()}`;
}

function setStatus(up) {
  const status = document.getElementById("status");
  status.className = `status ${up ? "up" : "down"}`;
  status.textContent = up ? "connected" : "dev server unreachable";
}

// ---------------------------------------------------------------- views and routing

const views = ["tables", "functions", "logs", "schema"];
const loaded = new Set();

function currentView() {
  const name = location.hash.replace(/^#/, "").split("/")[0];
  return views.includes(name) ? name : "tables";
}

function show() {
  const view = currentView();
  for (const name of views) document.getElementById(`view-${name}`).hidden = name !== view;
  for (const link of document.querySelectorAll("#nav a")) link.classList.toggle("active", link.dataset.view === view);
  if (view === "logs") {
    unseen = 0;
    renderBadge();
  }
  if (view === "tables" || view === "schema" || !loaded.has(view)) {
    loaded.add(view);
    ({ tables: loadTables, functions: loadFunctions, logs: () => undefined, schema: loadSchema })[view]();
  }
}

// ---------------------------------------------------------------- tables

let selectedTable = null;

async function loadTables() {
  const { body } = await api("tables");
  const list = document.getElementById("table-list");
  list.replaceChildren();
  if (body.error) {
    list.append(h("li", { class: "err-text" }, body.error.message));
    return;
  }
  if (body.tables.length === 0) list.append(h("li", { class: "muted" }, "The schema has no tables."));
  for (const table of body.tables) {
    const button = h(
      "button",
      { type: "button", "data-table": table.name, class: table.name === selectedTable ? "active" : undefined, onclick: () => selectTable(table) },
      h("span", { class: "fn-name" }, table.name),
      h("span", { class: "count" }, table.documentCount ?? "–"),
    );
    list.append(h("li", {}, button));
  }
  const again = body.tables.find((table) => table.name === selectedTable) ?? body.tables[0];
  if (again) selectTable(again);
}

function selectTable(table) {
  selectedTable = table.name;
  for (const button of document.querySelectorAll("#table-list button")) button.classList.toggle("active", button.dataset.table === table.name);
  const detail = document.getElementById("table-detail");
  const documentsBody = h("tbody");
  const head = h("thead");
  const more = h("button", { class: "secondary", type: "button", hidden: true }, "Load older documents");
  const note = h("p", { class: "empty", hidden: true }, "No documents yet.");
  const indexRows = table.indexes.map((index) =>
    h(
      "tr",
      {},
      h("td", { class: "mono" }, index.name),
      h("td", { class: "mono" }, index.fields.length === 0 ? h("span", { class: "muted" }, "_creationTime") : index.fields.join(", ")),
      h("td", { class: "sql" }, index.sql ?? h("span", { class: "err-text" }, "missing in the database")),
    ),
  );
  for (const other of table.otherIndexes) {
    indexRows.push(h("tr", {}, h("td", { class: "mono" }, other.pgName), h("td", { class: "muted" }, "not in the schema"), h("td", { class: "sql" }, other.sql)));
  }
  fill(
    detail,
    h("div", { class: "section-head" }, h("h1", {}, table.name), h("span", { class: "muted" }, `${table.documentCount ?? "?"} document${table.documentCount === 1 ? "" : "s"} · newest first`)),
    h("table", { class: "grid", id: "documents" }, head, documentsBody),
    note,
    h("div", { class: "table-actions" }, more),
    h("h3", {}, "Indexes"),
    h("table", { class: "grid", id: "indexes" }, h("thead", {}, h("tr", {}, h("th", {}, "Index"), h("th", {}, "Fields"), h("th", {}, "SQL (pg_indexes)"))), h("tbody", {}, indexRows)),
  );

  const columns = ["_id", "_creationTime"];
  let cursor = null;
  const documents = [];
  const renderHead = () => head.replaceChildren(h("tr", {}, columns.map((column) => h("th", {}, column))));
  const renderRow = (doc) =>
    h(
      "tr",
      {},
      columns.map((column) =>
        column === "_creationTime"
          ? h("td", { class: "cell", title: String(doc._creationTime) }, formatTime(doc._creationTime))
          : h("td", { class: "cell", title: cellText(doc[column]) }, cellText(doc[column])),
      ),
    );
  const loadPage = async () => {
    more.disabled = true;
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (cursor !== null) query.set("cursor", cursor);
    const { body } = await api(`tables/${encodeURIComponent(table.name)}/documents?${query}`);
    if (selectedTable !== table.name) return;
    if (body.error) {
      note.hidden = false;
      note.textContent = body.error.message;
      return;
    }
    let newColumns = false;
    for (const doc of body.documents) {
      for (const key of Object.keys(doc)) {
        if (!columns.includes(key)) {
          columns.push(key);
          newColumns = true;
        }
      }
    }
    documents.push(...body.documents);
    renderHead();
    if (newColumns) documentsBody.replaceChildren(...documents.map(renderRow));
    else documentsBody.append(...body.documents.map(renderRow));
    cursor = body.nextCursor;
    more.hidden = cursor === null;
    more.disabled = false;
    note.hidden = documents.length > 0;
  };
  more.addEventListener("click", loadPage);
  renderHead();
  void loadPage();
}

// ---------------------------------------------------------------- functions

/** A starting value for a validator (Convex's JSON format), to prefill the arguments. */
function skeleton(validator) {
  switch (validator?.type) {
    case "string":
    case "id":
      return "";
    case "number":
      return 0;
    case "boolean":
      return false;
    case "null":
    case "any":
      return null;
    case "bigint":
      return { $integer: "AAAAAAAAAAA=" };
    case "bytes":
      return { $bytes: "" };
    case "literal":
      return validator.value;
    case "array":
      return [];
    case "record":
      return {};
    case "union":
      return skeleton(validator.value[0]);
    case "object": {
      const out = {};
      for (const [key, field] of Object.entries(validator.value)) if (!field.optional) out[key] = skeleton(field.fieldType);
      return out;
    }
    default:
      return null;
  }
}

async function loadFunctions() {
  const { body } = await api("functions");
  const list = document.getElementById("function-list");
  list.replaceChildren();
  if (body.error) {
    list.append(h("li", { class: "err-text" }, body.error.message));
    return;
  }
  if (body.functions.length === 0) list.append(h("li", { class: "muted" }, "No functions yet."));
  let module = null;
  for (const fn of body.functions) {
    const [modulePath] = fn.name.split(":");
    if (modulePath !== module) {
      module = modulePath;
      list.append(h("li", { class: "group" }, `${modulePath}.ts`));
    }
    list.append(
      h(
        "li",
        {},
        h(
          "button",
          { type: "button", "data-function": fn.name, onclick: () => selectFunction(fn) },
          h("span", { class: "fn-name" }, fn.name.split(":")[1]),
          h("span", { class: "count" }, h("span", { class: `tag ${fn.kind}` }, fn.kind === "query" ? "Q" : "M")),
        ),
      ),
    );
  }
}

function selectFunction(fn) {
  for (const button of document.querySelectorAll("#function-list button")) button.classList.toggle("active", button.dataset.function === fn.name);
  const args = h("textarea", { id: "args", spellcheck: "false" });
  args.value = pretty(fn.args?.type === "object" ? skeleton(fn.args) : {});
  const result = h("div", { class: "result", id: "result", hidden: true });
  const run = h("button", { class: "primary", type: "submit", id: "run" }, `Run ${fn.kind}`);
  const submit = async (event) => {
    event.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(args.value || "{}");
    } catch (error) {
      showResult(result, false, "invalid JSON", String(error.message));
      return;
    }
    run.disabled = true;
    const { body } = await api("run", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ kind: fn.kind, name: fn.name, args: parsed }) });
    run.disabled = false;
    if (body.error) showResult(result, false, body.error.code, pretty(body.error));
    else showResult(result, true, `${body.durationMs.toFixed(1)} ms`, pretty(body.value));
  };
  fill(document.getElementById("function-detail"),
    h(
      "div",
      { class: "section-head" },
      h("h1", { class: "mono" }, fn.name),
      h("span", { class: `tag ${fn.kind}` }, fn.kind),
      fn.visibility === "internal" ? h("span", { class: "tag internal" }, "internal") : null,
    ),
    fn.visibility === "internal" ? h("p", { class: "muted" }, "Internal: not callable over HTTP; the dashboard may run it because it is on this machine.") : null,
    h(
      "form",
      { id: "run-form", onsubmit: submit },
      h("label", { class: "field", for: "args" }, "Arguments (JSON, Convex wire format)"),
      args,
      h("div", { class: "form-actions" }, run, h("span", { class: "muted" }, fn.kind === "mutation" ? "Runs in one transaction and commits." : "Read-only.")),
    ),
    result,
    h("h3", {}, "Validators"),
    h("div", { class: "card" }, h("dl", { class: "kv" }, h("dt", {}, "args"), h("dd", {}, h("code", {}, validatorText(fn.args))), h("dt", {}, "returns"), h("dd", {}, h("code", {}, fn.returns === null ? "not checked" : validatorText(fn.returns))))),
  );
}

function showResult(container, ok, label, text) {
  container.hidden = false;
  container.className = `result ${ok ? "ok" : "bad"}`;
  container.replaceChildren(
    h("div", { class: "result-head" }, h("span", { class: `tag ${ok ? "ok" : "bad"}` }, ok ? "ok" : "error"), label),
    h("pre", { class: "json", id: "result-value" }, text),
  );
}

// ---------------------------------------------------------------- logs

let lastSeq = 0;
let unseen = 0;

function renderBadge() {
  const badge = document.getElementById("log-badge");
  badge.hidden = unseen === 0;
  badge.textContent = unseen > 99 ? "99+" : String(unseen);
}

function logRow(call) {
  return h(
    "tr",
    { class: "fresh", "data-seq": call.seq },
    h("td", { class: "mono muted" }, new Date(call.at).toLocaleTimeString()),
    h("td", {}, h("span", { class: `tag ${call.kind}` }, call.kind)),
    h("td", { class: "mono" }, call.name),
    h("td", { class: "num" }, `${call.durationMs.toFixed(1)} ms`),
    h("td", {}, h("span", { class: `tag ${call.ok ? "ok" : "bad"}` }, call.ok ? "ok" : (call.errorCode ?? "error")), call.attempts > 1 ? h("span", { class: "muted" }, ` ${call.attempts} attempts`) : null),
    h("td", { class: "err-text" }, call.errorMessage ?? ""),
  );
}

async function pollCalls() {
  try {
    const { body } = await api(`calls?after=${lastSeq}`);
    setStatus(true);
    if (body.calls && body.calls.length > 0) {
      const tbody = document.querySelector("#log-table tbody");
      for (const call of body.calls) {
        tbody.prepend(logRow(call));
        lastSeq = call.seq;
      }
      while (tbody.children.length > 500) tbody.lastElementChild.remove();
      document.getElementById("log-empty").hidden = true;
      if (currentView() !== "logs") {
        unseen += body.calls.length;
        renderBadge();
      }
    }
  } catch {
    setStatus(false);
  }
  setTimeout(pollCalls, POLL_MS);
}

document.getElementById("clear-logs").addEventListener("click", () => {
  document.querySelector("#log-table tbody").replaceChildren();
  document.getElementById("log-empty").hidden = false;
});

// ---------------------------------------------------------------- schema

function validatorText(validator) {
  switch (validator.type) {
    case "object":
      return `{ ${Object.entries(validator.value)
        .map(([key, field]) => `${key}${field.optional ? "?" : ""}: ${validatorText(field.fieldType)}`)
        .join(", ")} }`;
    case "array":
      return `${validatorText(validator.value)}[]`;
    case "union":
      return validator.value.map(validatorText).join(" | ");
    case "literal":
      return JSON.stringify(validator.value);
    case "id":
      return `Id<"${validator.tableName}">`;
    case "record":
      return `Record<${validatorText(validator.keys)}, ${validatorText(validator.values.fieldType)}>`;
    default:
      return validator.type;
  }
}

async function loadSchema() {
  const { body } = await api("schema");
  const detail = document.getElementById("schema-detail");
  if (body.error) {
    detail.replaceChildren(h("p", { class: "err-text" }, body.error.message));
    return;
  }
  const tableRows = body.tables.map((table) =>
    h(
      "tr",
      {},
      h("td", { class: "mono" }, table.name),
      h("td", { class: "sql" }, validatorText(table.validator)),
      h("td", { class: "mono" }, table.indexes.map((index) => h("div", {}, `${index.name}${index.fields.length ? ` (${index.fields.join(", ")})` : ""}`))),
    ),
  );
  const syncEntries = body.syncLog.map((entry) =>
    h(
      "details",
      { class: "sync" },
      h(
        "summary",
        {},
        h("span", { class: `tag ${entry.outcome === "applied" ? "ok" : entry.outcome === "failed" ? "bad" : ""}` }, entry.outcome),
        h("span", {}, formatTime(Date.parse(entry.startedAt))),
        h("span", { class: "muted" }, `${entry.source} · ${entry.steps.length} step${entry.steps.length === 1 ? "" : "s"} · ${entry.schemaHash.slice(0, 12)}`),
      ),
      h(
        "div",
        { class: "steps" },
        entry.error ? h("p", { class: "err-text" }, entry.error) : null,
        entry.steps.length === 0 ? h("p", { class: "muted" }, "Nothing to change.") : null,
        entry.steps.map((step) => h("div", { class: "step" }, h("div", {}, h("span", { class: "tag" }, step.kind), " ", step.description), h("pre", {}, step.sql.join(";\n")))),
      ),
    ),
  );
  fill(
    detail,
    h("div", { class: "section-head" }, h("h1", {}, "Schema"), h("span", { class: "muted" }, `Postgres schema "${body.pgSchema}" · validation ${body.schemaValidation ? "on" : "off"} · synced hash ${body.recordedHash ? body.recordedHash.slice(0, 12) : "none"}`)),
    h("table", { class: "grid" }, h("thead", {}, h("tr", {}, h("th", {}, "Table"), h("th", {}, "Document"), h("th", {}, "Indexes"))), h("tbody", {}, tableRows)),
    h("h3", {}, "Last sync steps"),
    syncEntries.length === 0 ? h("p", { class: "muted" }, "No sync yet.") : h("div", { id: "sync-log" }, syncEntries),
  );
  const first = detail.querySelector("details.sync");
  if (first) first.open = true;
}

window.addEventListener("hashchange", show);
show();
void pollCalls();

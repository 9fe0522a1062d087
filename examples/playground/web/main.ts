import { ConvoyHttpClient, ConvoyRequestError } from "convoy/browser";
import { api } from "../convoy/_generated/api.js";
import type { Doc } from "../convoy/_generated/dataModel.js";

const client = new ConvoyHttpClient(window.location.origin);
function $(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from the page`);
  return element;
}
const list = $("messages");
const more = $("more") as HTMLButtonElement;
const error = $("error");
const author = $("author") as HTMLInputElement;
const body = $("body") as HTMLInputElement;

let cursor: string | null = null;
const PAGE = 10;

function render(message: Doc<"messages">): HTMLLIElement {
  const item = document.createElement("li");
  item.dataset.id = message._id;
  const who = Object.assign(document.createElement("span"), { className: "who", textContent: message.author });
  const text = Object.assign(document.createElement("span"), { className: "body", textContent: message.body });
  const like = Object.assign(document.createElement("button"), { className: "link", textContent: `♥ ${message.likes}` });
  like.addEventListener("click", () => {
    void client.mutation(api.messages.like, { id: message._id }).then((likes) => (like.textContent = `♥ ${likes}`), showError);
  });
  item.append(who, text, like);
  return item;
}

async function loadPage(reset: boolean): Promise<void> {
  const result = await client.query(api.messages.list, { paginationOpts: { numItems: PAGE, cursor: reset ? null : cursor } });
  if (reset) list.replaceChildren();
  list.append(...result.page.map(render));
  cursor = result.continueCursor;
  more.hidden = result.isDone;
}

async function refreshMine(): Promise<void> {
  const name = author.value.trim();
  const count = name === "" ? 0 : await client.query(api.messages.countByAuthor, { author: name });
  $("mine").textContent = name === "" ? "" : `${name} has sent ${count} message${count === 1 ? "" : "s"}.`;
}

function showError(e: unknown): void {
  if (e instanceof ConvoyRequestError && e.code === "APPLICATION_ERROR") {
    const data = e.data as { message?: string } | undefined;
    error.textContent = data?.message ?? e.message;
  } else {
    error.textContent = e instanceof Error ? e.message : String(e);
  }
}

$("send").addEventListener("submit", (event) => {
  event.preventDefault();
  error.textContent = "";
  client
    .mutation(api.messages.send, { author: author.value, body: body.value })
    .then(async () => {
      body.value = "";
      await Promise.all([loadPage(true), refreshMine()]);
    })
    .catch(showError);
});
more.addEventListener("click", () => void loadPage(false).catch(showError));
author.addEventListener("change", () => void refreshMine().catch(showError));

void Promise.all([loadPage(true), refreshMine()]).catch(showError);

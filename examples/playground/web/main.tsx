/*
 * The playground's page: React + TanStack Query through @convoy/react-query over a live
 * `ConvoyClient` (one WebSocket at /api/sync). Every query is `useQuery(convoyQuery(...))` and
 * stays current by pushes: a message or a like from another tab appears without reloading, and
 * nothing here refetches by hand. Every mutation is `useConvoyMutation(...)`; it resolves once
 * its effects are on screen.
 *
 * A user's first message earns a welcome message from "Convoy" a few seconds later: a scheduled
 * function (convoy/welcome.ts) inserts it, and it appears through the same live list.
 *
 * Sign-in is the playground's DEVELOPMENT issuer (convoy/_dev/issuer.ts): "Sign in as Ada"
 * asks `devAuth:signIn` for a token, and the client sends it over the socket (`setAuth`); the
 * server re-runs every subscription as the new user.
 */
import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { ConvoyQueryClient, convoyQuery, useConvoyMutation } from "@convoy/react-query";
import { ConvoyClient, ConvoyRequestError } from "@convoy/core/browser";
import { useState, useSyncExternalStore, type SyntheticEvent } from "react";
import { createRoot } from "react-dom/client";
import { api } from "../convoy/_generated/api.js";
import type { Doc } from "../convoy/_generated/dataModel.js";

const PAGE = 10;

const queryClient = new QueryClient({ defaultOptions: { queries: { refetchOnWindowFocus: false } } });
const convoy = new ConvoyClient(window.location.origin);
new ConvoyQueryClient(convoy, queryClient);

/** The signed-in user's token (memory only: reloading the page signs out). */
let token: string | null = null;

type DevUser = "ada" | "grace";

/** Switch to another user (or sign out): a new token, and the server re-runs every live query as that user. */
async function switchUser(user: DevUser | null): Promise<void> {
  token = user === null ? null : await convoy.mutation(api.devAuth.signIn, { user });
  if (token === null) convoy.clearAuth();
  else convoy.setAuth(() => token);
}

function UserSwitcher({ onError }: { onError: (error: unknown) => void }) {
  const me = useQuery(convoyQuery(api.messages.me, {}));
  const [busy, setBusy] = useState(false);
  const pick = (user: DevUser | null) => {
    setBusy(true);
    switchUser(user).then(
      () => setBusy(false),
      (error: unknown) => {
        setBusy(false);
        onError(error);
      },
    );
  };
  return (
    <div id="user">
      <span id="who">{me.data === undefined ? "" : me.data === null ? "Signed out" : `Signed in as ${me.data.name}`}</span>
      <button className="link" id="as-ada" disabled={busy} onClick={() => pick("ada")}>
        Sign in as Ada
      </button>
      <button className="link" id="as-grace" disabled={busy} onClick={() => pick("grace")}>
        Sign in as Grace
      </button>
      <button className="link" id="sign-out" disabled={busy || me.data === null} onClick={() => pick(null)}>
        Sign out
      </button>
      <span className="muted"> (development sign-in)</span>
    </div>
  );
}

/** The message of a refused mutation: a ConvoyError's `data.message`, else the error's. */
function errorText(error: unknown): string {
  if (error instanceof ConvoyRequestError && error.code === "APPLICATION_ERROR") {
    const data = error.data as { message?: string } | undefined;
    return data?.message ?? error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function Message({ message, me, onError }: { message: Doc<"messages">; me: string | undefined; onError: (error: unknown) => void }) {
  const like = useConvoyMutation(api.messages.like, { onError });
  const edit = useConvoyMutation(api.messages.edit, { onError });
  const remove = useConvoyMutation(api.messages.remove, { onError });
  const [draft, setDraft] = useState<string | null>(null);
  // The buttons are a convenience: rules.ts is what stops anyone but the owner.
  const mine = me !== undefined && message.owner === me;
  // the scheduler's welcome messages (convoy/welcome.ts): no owner, signed "Convoy"
  const fromConvoy = message.owner === undefined && message.author === "Convoy";
  const save = (event: SyntheticEvent) => {
    event.preventDefault();
    if (draft !== null) edit.mutate({ id: message._id, body: draft }, { onSuccess: () => setDraft(null) });
  };
  return (
    <li data-id={message._id} className={fromConvoy ? "from-convoy" : undefined}>
      <span className="who">{message.author}</span>
      {draft === null ? (
        <span className="body">{message.body}</span>
      ) : (
        <form className="edit" onSubmit={save}>
          <input aria-label="edit message" value={draft} onChange={(e) => setDraft(e.target.value)} />
          <button type="submit">Save</button>
        </form>
      )}
      <button className="link like" onClick={() => like.mutate({ id: message._id })}>
        ♥ {message.likes}
      </button>
      {mine && draft === null && (
        <>
          <button className="link edit-button" onClick={() => setDraft(message.body)}>
            edit
          </button>
          <button className="link delete-button" onClick={() => remove.mutate({ id: message._id })}>
            delete
          </button>
        </>
      )}
    </li>
  );
}

/** "live" while the socket is connected, else what the client is doing about it. */
function ConnectionStatus() {
  const phase = useSyncExternalStore(
    (onChange) => convoy.subscribeToConnectionState(onChange),
    () => convoy.connectionState().phase,
  );
  return (
    <p className="muted" id="connection" data-phase={phase}>
      {phase === "connected" ? "live" : phase === "closed" ? "offline" : "reconnecting…"}
    </p>
  );
}

function App() {
  const [body, setBody] = useState("");
  const [error, setError] = useState("");
  const [pages, setPages] = useState(1);
  const me = useQuery(convoyQuery(api.messages.me, {}));
  const name = me.data?.name ?? "";

  const messages = useQuery(convoyQuery(api.messages.list, { paginationOpts: { numItems: PAGE * pages, cursor: null } }));
  const mine = useQuery(convoyQuery(api.messages.countByAuthor, name === "" ? "skip" : { author: name }));
  const send = useConvoyMutation(api.messages.send, {
    onSuccess: () => setBody(""),
    onError: (e) => setError(errorText(e)),
  });
  const showError = (e: unknown) => setError(errorText(e));

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setError("");
    send.mutate({ body });
  };

  return (
    <>
      <UserSwitcher onError={showError} />
      <ConnectionStatus />
      <form id="send" onSubmit={submit}>
        <input id="body" placeholder="say something" aria-label="message" autoComplete="off" value={body} onChange={(e) => setBody(e.target.value)} />
        <button type="submit">Send</button>
      </form>
      <div id="error" role="alert">
        {error || (messages.error ? errorText(messages.error) : "")}
      </div>
      <p className="muted" id="mine">
        {name === "" || mine.data === undefined ? "" : `${name} has sent ${mine.data} message${mine.data === 1 ? "" : "s"}.`}
      </p>
      {messages.data?.page.length === 0 && (
        <p className="empty" id="empty">
          No messages yet. Say something to start the conversation.
        </p>
      )}
      <ul id="messages">
        {messages.data?.page.map((message) => (
          <Message key={message._id} message={message} me={me.data?.subject} onError={showError} />
        ))}
      </ul>
      <button className="link" id="more" hidden={messages.data?.isDone ?? true} onClick={() => setPages((n) => n + 1)}>
        Load more
      </button>
    </>
  );
}

const root = document.getElementById("root");
if (root === null) throw new Error("#root is missing from the page");
createRoot(root).render(
  <QueryClientProvider client={queryClient}>
    <App />
  </QueryClientProvider>,
);

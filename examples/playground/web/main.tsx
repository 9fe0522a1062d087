/*
 * The playground's page: React + TanStack Query through @convoy/react-query. Every query is
 * `useQuery(convoyQuery(...))`; every mutation is `useConvoyMutation(...)`, after which the
 * queries that read a table it wrote refetch on their own (sending a message refreshes the
 * list and the author's count; nothing here refetches by hand).
 *
 * Sign-in is the playground's DEVELOPMENT issuer (convoy/_dev/issuer.ts): "Sign in as Ada"
 * asks `devAuth:signIn` for a token, and the client sends it as `Authorization: Bearer`.
 */
import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { ConvoyQueryClient, convoyQuery, useConvoyMutation } from "@convoy/react-query";
import { ConvoyHttpClient, ConvoyRequestError } from "@convoy/core/browser";
import { useState, type SyntheticEvent } from "react";
import { createRoot } from "react-dom/client";
import { api } from "../convoy/_generated/api.js";
import type { Doc } from "../convoy/_generated/dataModel.js";

const PAGE = 10;

const queryClient = new QueryClient({ defaultOptions: { queries: { refetchOnWindowFocus: false } } });
const client = new ConvoyHttpClient(window.location.origin);
new ConvoyQueryClient(client, queryClient);

/** The signed-in user's token (memory only: reloading the page signs out). */
let token: string | null = null;
client.setAuth(() => token);

type DevUser = "ada" | "grace";

/** Switch to another user (or sign out): new token, then every query runs again as that user. */
async function switchUser(user: DevUser | null): Promise<void> {
  token = user === null ? null : await client.mutation(api.devAuth.signIn, { user });
  await queryClient.resetQueries();
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

function Message({ message, onError }: { message: Doc<"messages">; onError: (error: unknown) => void }) {
  const like = useConvoyMutation(api.messages.like, { onError });
  return (
    <li data-id={message._id}>
      <span className="who">{message.author}</span>
      <span className="body">{message.body}</span>
      <button className="link" onClick={() => like.mutate({ id: message._id })}>
        ♥ {like.data ?? message.likes}
      </button>
    </li>
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
          <Message key={message._id} message={message} onError={showError} />
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

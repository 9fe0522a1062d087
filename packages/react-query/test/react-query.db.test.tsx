// @vitest-environment happy-dom
/*
 * The adapter in React against a real Convoy server (the client fixture app): components show
 * query data; a mutation refetches exactly the queries that read a table it wrote.
 */
import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { act, cleanup, configure, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { ConvoyHttpClient } from "@convoy/core/browser";
import type { ReactNode } from "react";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { api } from "../../core/test/client/fixture/convoy/_generated/api.js";
import { startFixtureServer } from "../../core/test/client/fixture-server.js";
import type { TestServer } from "../../core/src/http/fixtures/test-server.js";
import { useTestDatabase } from "../../core/test/helpers/test-database.js";
import { ConvoyQueryClient, convoyQuery, convoyQueryKey, useConvoyMutation } from "../src/index.js";

// findBy*/waitFor default to 1 s; on a loaded CI machine the embedded database can take longer to answer.
configure({ asyncUtilTimeout: 10_000 });

const db = useTestDatabase();
let server: TestServer;

beforeAll(async () => {
  server = await startFixtureServer(db().driver);
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  await db().driver.query("DELETE FROM notes; DELETE FROM tags");
});
afterEach(() => {
  cleanup();
});

interface Setup {
  client: ConvoyHttpClient;
  queryClient: QueryClient;
  convoy: ConvoyQueryClient;
  /** How many requests each function got, by name. */
  fetches: Record<string, number>;
  wrapper: (props: { children: ReactNode }) => ReactNode;
}

function setup(url = server.url): Setup {
  const fetches: Record<string, number> = {};
  const counting: typeof fetch = (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const name = decodeURIComponent(url.split("/api/")[1]!.split("/").slice(1).join("/"));
    fetches[name] = (fetches[name] ?? 0) + 1;
    return fetch(input, init);
  };
  const client = new ConvoyHttpClient(url, { fetch: counting });
  const queryClient = new QueryClient();
  const convoy = new ConvoyQueryClient(client, queryClient);
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
  return { client, queryClient, convoy, fetches, wrapper };
}

function Notes() {
  const notes = useQuery(convoyQuery(api.notes.list, {}));
  const count = useQuery(convoyQuery(api.notes.count, {}));
  if (notes.data === undefined || count.data === undefined) return <p>loading</p>;
  return (
    <section>
      <p data-testid="note-count">{count.data} notes</p>
      <ul>
        {notes.data.map((note) => (
          <li key={note._id}>
            {note.title} ★{String(note.stars)}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Tags() {
  const tags = useQuery(convoyQuery(api.tags.list, {}));
  return <p data-testid="tags">{tags.data === undefined ? "loading" : `tags: ${tags.data.map((tag) => tag.name).join(",")}`}</p>;
}

function AddNote() {
  const add = useConvoyMutation(api.notes.add);
  return (
    <div>
      <button onClick={() => add.mutate({ title: "second", stars: 5n })}>add note</button>
      <button onClick={() => add.mutate({ title: "", stars: 1n })}>add empty note</button>
      {add.isError ? <p role="alert">{`${add.error.code}: ${JSON.stringify((add.error.data as { reason: string }).reason)}`}</p> : null}
      {add.isSuccess ? <p data-testid="added">added</p> : null}
    </div>
  );
}

function AddTag() {
  const add = useConvoyMutation(api.tags.add);
  return <button onClick={() => add.mutate({ name: "red" })}>add tag</button>;
}

function App() {
  return (
    <>
      <Notes />
      <Tags />
      <AddNote />
      <AddTag />
    </>
  );
}

describe("@convoy/react-query", () => {
  it("shows query data from the server", async () => {
    await new ConvoyHttpClient(server.url).mutation(api.notes.add, { title: "first", stars: 3n });
    const { wrapper, queryClient } = setup();
    render(<App />, { wrapper });
    expect(await screen.findByText("first ★3")).toBeTruthy();
    expect(screen.getByTestId("note-count").textContent).toBe("1 notes");
    await waitFor(() => expect(screen.getByTestId("tags").textContent).toBe("tags: "));
    // The key is data-tagged: getQueryData is typed by the query's result.
    const cached = queryClient.getQueryData(convoyQuery(api.notes.list, {}).queryKey);
    expect(cached?.map((note) => note.stars)).toEqual([3n]);
  });

  it("after a mutation refetches the queries that read what it wrote, and only those", async () => {
    await new ConvoyHttpClient(server.url).mutation(api.notes.add, { title: "first", stars: 3n });
    const { wrapper, fetches } = setup();
    render(<App />, { wrapper });
    await screen.findByText("first ★3");
    await waitFor(() => expect(screen.getByTestId("tags").textContent).toBe("tags: "));
    expect(fetches).toEqual({ "notes:list": 1, "notes:count": 1, "tags:list": 1 });

    fireEvent.click(screen.getByText("add note"));
    expect(await screen.findByText("second ★5")).toBeTruthy();
    await screen.findByTestId("added");
    expect(screen.getByTestId("note-count").textContent).toBe("2 notes");
    expect(fetches).toEqual({ "notes:list": 2, "notes:count": 2, "tags:list": 1, "notes:add": 1 });

    fireEvent.click(screen.getByText("add tag"));
    await waitFor(() => expect(screen.getByTestId("tags").textContent).toBe("tags: red"));
    expect(fetches).toEqual({ "notes:list": 2, "notes:count": 2, "tags:list": 2, "notes:add": 1, "tags:add": 1 });
  });

  it("shows a failed mutation's ConvoyRequestError and refetches nothing", async () => {
    const { wrapper, fetches } = setup();
    render(<App />, { wrapper });
    await screen.findByText("0 notes");
    await waitFor(() => expect(screen.getByTestId("tags").textContent).toBe("tags: "));
    fireEvent.click(screen.getByText("add empty note"));
    expect((await screen.findByRole("alert")).textContent).toBe('APPLICATION_ERROR: "EMPTY_TITLE"');
    expect(fetches).toEqual({ "notes:list": 1, "notes:count": 1, "tags:list": 1, "notes:add": 1 });
  });

  it("invalidates after mutations made with the client directly, too", async () => {
    const { wrapper, fetches, client, convoy } = setup();
    render(<App />, { wrapper });
    await screen.findByText("0 notes");
    await waitFor(() => expect(screen.getByTestId("tags").textContent).toBe("tags: "));
    await act(async () => {
      await client.mutation(api.tags.add, { name: "blue" });
      await convoy.settled();
    });
    await waitFor(() => expect(screen.getByTestId("tags").textContent).toBe("tags: blue"));
    expect(fetches).toEqual({ "notes:list": 1, "notes:count": 1, "tags:list": 2, "tags:add": 1 });
  });

  it("skips a query whose args are \"skip\", and runs it once they are known", async () => {
    await new ConvoyHttpClient(server.url).mutation(api.notes.add, { title: "first", stars: 3n });
    const { wrapper, fetches } = setup();
    function Note({ title }: { title: string | null }) {
      const note = useQuery(convoyQuery(api.notes.byTitle, title === null ? "skip" : { title }));
      return <p data-testid="note">{note.isPending ? "no note" : (note.data?.title ?? "missing")}</p>;
    }
    const view = render(<Note title={null} />, { wrapper });
    expect(screen.getByTestId("note").textContent).toBe("no note");
    view.rerender(<Note title="first" />);
    await waitFor(() => expect(screen.getByTestId("note").textContent).toBe("first"));
    expect(fetches).toEqual({ "notes:byTitle": 1 });
  });

  it("works outside React: fetchQuery, typed keys, prefix invalidation", async () => {
    const { queryClient, fetches } = setup();
    const notes = await queryClient.query(convoyQuery(api.notes.list, {}));
    expect(notes).toEqual([]);
    expect(convoyQueryKey(api.notes.echo, { int: 1n, bytes: new ArrayBuffer(1), nested: { list: [] } })).toEqual([
      "convoy",
      "notes:echo",
      { int: { $integer: "AQAAAAAAAAA=" }, bytes: { $bytes: "AA==" }, nested: { list: [] } },
    ]);
    await queryClient.invalidateQueries({ queryKey: convoyQueryKey(api.notes.list) });
    expect(queryClient.getQueryState(convoyQuery(api.notes.list, {}).queryKey)?.isInvalidated).toBe(true);
    expect(fetches).toEqual({ "notes:list": 1 });
  });

  it("invalidates every Convoy query after a mutation when the server sends no access headers", async () => {
    const quiet = await startFixtureServer(db().driver, { accessHeaders: false });
    try {
      const { queryClient, convoy } = setup(quiet.url);
      await queryClient.query(convoyQuery(api.notes.list, {}));
      await queryClient.query(convoyQuery(api.tags.list, {}));
      await convoy.mutation(api.notes.add, { title: "a", stars: 1n });
      // the server did not say what the mutation wrote: tags:list may be stale too
      expect(queryClient.getQueryState(convoyQuery(api.notes.list, {}).queryKey)?.isInvalidated).toBe(true);
      expect(queryClient.getQueryState(convoyQuery(api.tags.list, {}).queryKey)?.isInvalidated).toBe(true);
    } finally {
      await quiet.close();
    }
  });

  it("says how to connect when no ConvoyQueryClient is connected", async () => {
    const queryClient = new QueryClient();
    await expect(queryClient.query(convoyQuery(api.notes.list, {}))).rejects.toThrow(/no ConvoyQueryClient is connected/);
  });
});

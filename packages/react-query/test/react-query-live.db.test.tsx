// @vitest-environment happy-dom
/*
 * @convoy/react-query with a live ConvoyClient, in React against the real server (`/api/sync`,
 * the client fixture app): results are pushed into the TanStack cache (setQueryData, no
 * refetch), subscriptions follow observers (ended gcTime after the last one leaves), and a
 * mutation from the hook resolves once its effects are in the cache.
 */
import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from "@tanstack/react-query";
import { act, cleanup, configure, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { ConvoyClient } from "@convoy/core/browser";
import type { ReactNode } from "react";
import WebSocket from "ws";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { api } from "../../core/test/client/fixture/convoy/_generated/api.js";
import { startLiveFixtureServer, type LiveFixtureServer } from "../../core/test/client/fixture-server.js";
import { useTestDatabase } from "../../core/test/helpers/test-database.js";
import { ConvoyQueryClient, convoyQuery, useConvoyMutation } from "../src/index.js";

// findBy*/waitFor default to 1 s; on a loaded CI machine the embedded database can take longer to answer.
configure({ asyncUtilTimeout: 10_000 });

const db = useTestDatabase();
let server: LiveFixtureServer;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startLiveFixtureServer(db().driver);
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  await db().driver.query("DELETE FROM notes; DELETE FROM tags");
});
afterEach(async () => {
  cleanup();
  for (const close of closers.splice(0)) await close();
});

function liveClient(): ConvoyClient {
  const client = new ConvoyClient(server.url, { webSocketConstructor: WebSocket });
  closers.push(() => client.close());
  return client;
}

interface Setup {
  client: ConvoyClient;
  queryClient: QueryClient;
  convoy: ConvoyQueryClient;
  /** How many times a queryFn ran, by query hash. */
  fetches: () => number;
  wrapper: (props: { children: ReactNode }) => ReactNode;
}

function setup(gcTime?: number): Setup {
  const client = liveClient();
  const queryClient = new QueryClient(gcTime === undefined ? {} : { defaultOptions: { queries: { gcTime } } });
  const convoy = new ConvoyQueryClient(client, queryClient);
  closers.push(() => {
    convoy.close();
    return Promise.resolve();
  });
  let fetches = 0;
  queryClient.getQueryCache().subscribe((event) => {
    if (event.type === "updated" && event.action.type === "fetch") fetches++;
  });
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
  return { client, queryClient, convoy, fetches: () => fetches, wrapper };
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

function AddNote({ onAdded }: { onAdded: (visible: boolean) => void }) {
  const add = useConvoyMutation(api.notes.add);
  const queryClient = useQueryClient();
  const click = () => {
    void add.mutateAsync({ title: "mine", stars: 2n }).then(() => {
      // the hook resolved: the pushed result is already in the cache
      const notes = queryClient.getQueryData(convoyQuery(api.notes.list, {}).queryKey);
      onAdded(notes?.some((note) => note.title === "mine") === true);
    });
  };
  return <button onClick={click}>add</button>;
}

describe("@convoy/react-query with a live ConvoyClient", () => {
  it("shows pushed results: another client's write appears without a refetch", async () => {
    const { wrapper, fetches } = setup();
    render(<Notes />, { wrapper });
    expect(await screen.findByText("0 notes")).toBeTruthy();
    const fetchesAfterLoad = fetches();
    expect(fetchesAfterLoad).toBe(2);
    await act(async () => {
      await liveClient().mutation(api.notes.add, { title: "from elsewhere", stars: 4n });
    });
    expect(await screen.findByText("from elsewhere ★4")).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId("note-count").textContent).toBe("1 notes"));
    expect(fetches()).toBe(fetchesAfterLoad);
  });

  it("useConvoyMutation resolves once its effects are in the cache", async () => {
    const { wrapper } = setup();
    const results: boolean[] = [];
    render(
      <>
        <Notes />
        <AddNote onAdded={(visible) => results.push(visible)} />
      </>,
      { wrapper },
    );
    await screen.findByText("0 notes");
    fireEvent.click(screen.getByText("add"));
    await waitFor(() => expect(results).toEqual([true]));
    expect(await screen.findByText("mine ★2")).toBeTruthy();
  });

  it("subscribes when a query is observed and unsubscribes gcTime after the last observer leaves", async () => {
    const { wrapper, convoy, queryClient } = setup(3000);
    const writer = liveClient();
    await writer.query(api.notes.count);
    const view = render(<Notes />, { wrapper });
    await screen.findByText("0 notes");
    expect(convoy.live?.size).toBe(2);
    view.unmount();
    // unobserved but within gcTime: still subscribed, still kept current
    expect(convoy.live?.size).toBe(2);
    await writer.mutation(api.notes.add, { title: "unobserved", stars: 1n });
    await waitFor(() => expect(queryClient.getQueryData(convoyQuery(api.notes.count, {}).queryKey)).toBe(1));
    await waitFor(() => expect(convoy.live?.size).toBe(0), { timeout: 15_000 });
    expect(queryClient.getQueryData(convoyQuery(api.notes.count, {}).queryKey)).toBeUndefined();
    // observed again: subscribed again, with the current result
    render(<Notes />, { wrapper });
    expect(await screen.findByText("unobserved ★1")).toBeTruthy();
    expect(convoy.live?.size).toBe(2);
  });

  it("queryClient.query outside React uses the subscription: the second call costs no round trip", async () => {
    const { queryClient, convoy, client } = setup();
    expect(await queryClient.query(convoyQuery(api.notes.count, {}))).toBe(0);
    await client.mutation(api.notes.add, { title: "a", stars: 1n });
    expect(queryClient.getQueryData(convoyQuery(api.notes.count, {}).queryKey)).toBe(1);
    await queryClient.invalidateQueries();
    expect(await queryClient.query({ ...convoyQuery(api.notes.count, {}), staleTime: 0 })).toBe(1);
    expect(convoy.live?.size).toBe(1);
  });

  it("a failing query shows its ConvoyRequestError", async () => {
    const { queryClient } = setup();
    // @ts-expect-error -- wrong args on purpose: the server answers ARGS_INVALID
    await expect(queryClient.query(convoyQuery(api.notes.byTitle, { title: 1 }))).rejects.toMatchObject({ code: "ARGS_INVALID" });
  });
});

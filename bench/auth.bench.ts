/**
 * M3 authentication: the cost of verifying a bearer token per request, cold (a token not seen
 * before: the full signature and claims check) and cached (the same token again), against raw
 * `jose.jwtVerify` with the same key in the same run; and an authenticated HTTP call vs the
 * same call without a token (real server on the real Postgres, autocannon, interleaved rounds).
 */
import type { AddressInfo } from "node:net";
import autocannon from "autocannon";
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { createTokenVerifier } from "../packages/core/src/auth/index.js";
import { createPgDriver } from "../packages/core/src/driver/index.js";
import { mutationGeneric, queryGeneric } from "../packages/core/src/functions/function-builders.js";
import { createRegistrySync } from "../packages/core/src/functions/registry.js";
import { createServer } from "../packages/core/src/http/index.js";
import { createRuntime } from "../packages/core/src/runtime/index.js";
import { defineSchema, defineTable } from "../packages/core/src/schema/index.js";
import { v } from "../packages/core/src/values/v.js";
import { createBenchDatabase } from "./lib/bench-database.js";

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ISSUER = "https://bench.issuer";

async function timePerOp(count: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await op(i);
  return ((performance.now() - started) * 1000) / count;
}

async function verificationBench(): Promise<void> {
  console.log("\ntoken verification per request (µs/op, sequential; lower is better)");
  for (const alg of ["ES256", "RS256", "EdDSA", "HS256"] as const) {
    const secret = new TextEncoder().encode("a-benchmark-secret-of-at-least-32-bytes");
    const pair = alg === "HS256" ? undefined : await generateKeyPair(alg, { extractable: true });
    const jwks = pair === undefined ? undefined : { keys: [{ ...(await exportJWK(pair.publicKey)), kid: "k1", alg }] };
    const signingKey = pair?.privateKey ?? secret;
    const sign = (sub: string) => new SignJWT({ sub, name: "Bench User" }).setProtectedHeader({ alg, kid: "k1" }).setIssuer(ISSUER).setIssuedAt().setExpirationTime("1h").sign(signingKey);
    const count = alg === "RS256" ? 1000 : 2000;
    const tokens = await Promise.all(Array.from({ length: count }, (_, i) => sign(`user${i}`)));
    const provider =
      alg === "HS256"
        ? { type: "secret" as const, issuer: ISSUER, secret: "a-benchmark-secret-of-at-least-32-bytes" }
        : { type: "customJwt" as const, issuer: ISSUER, jwks: jwks!, algorithm: alg };
    const localSet = jwks === undefined ? undefined : createLocalJWKSet(jwks);
    const raw = (token: string) => (localSet === undefined ? jwtVerify(token, secret, { algorithms: [alg] }) : jwtVerify(token, localSet, { algorithms: [alg] }));
    // warm-up both
    const warm = createTokenVerifier({ providers: [provider] });
    for (let i = 0; i < 200; i++) {
      await raw(tokens[i]!);
      await warm(tokens[i]!);
    }
    // interleaved rounds (raw, convoy, convoy, raw): the machine's noise hits both sides alike
    const cold = () => {
      const verifier = createTokenVerifier({ providers: [provider] });
      return timePerOp(count, (i) => verifier(tokens[i]!));
    };
    const rawCold1 = await timePerOp(count, (i) => raw(tokens[i]!));
    const convoyCold1 = await cold();
    const convoyCold2 = await cold();
    const rawCold2 = await timePerOp(count, (i) => raw(tokens[i]!));
    const rawCold = (rawCold1 + rawCold2) / 2;
    const convoyCold = (convoyCold1 + convoyCold2) / 2;
    const cached = createTokenVerifier({ providers: [provider] });
    await cached(tokens[0]!);
    const convoyCached = await timePerOp(count * 10, () => cached(tokens[0]!));
    console.log(
      `  ${alg.padEnd(6)} raw jwtVerify ${rawCold.toFixed(1).padStart(7)}   convoy cold ${convoyCold.toFixed(1).padStart(7)} (${(convoyCold / rawCold).toFixed(2)}x raw)` +
        `   convoy cached ${convoyCached.toFixed(2).padStart(6)} (${(convoyCached / rawCold).toFixed(3)}x raw)`,
    );
  }
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  bad: number;
}

async function load(url: string, headers: Record<string, string>, seconds: number): Promise<LoadResult> {
  const result = await autocannon({ url, connections: 20, duration: seconds, method: "POST", headers: { "content-type": "application/json", ...headers }, body: '{"args":{}}' });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, bad: result.errors + result.non2xx };
}

async function httpBench(): Promise<void> {
  const db = await createBenchDatabase();
  const driver = await createPgDriver({ connectionString: db.url, max: 8 });
  try {
    const schema = defineSchema({ notes: defineTable({ body: v.string(), owner: v.string() }).index("by_owner", ["owner"]) });
    const registry = createRegistrySync({
      notes: {
        mine: queryGeneric({
          args: {},
          handler: async (ctx) => {
            const owner = (await ctx.auth.getUserIdentity())?.subject ?? "anonymous";
            return ctx.db.query("notes").withIndex("by_owner", (q) => q.eq("owner", owner)).take(10);
          },
        }),
        seed: mutationGeneric({ args: {}, handler: async (ctx) => { for (const owner of ["anonymous", "ada"]) for (let i = 0; i < 10; i++) await ctx.db.insert("notes", { body: `note ${i}`, owner }); } }),
      },
    });
    const runtime = await createRuntime({ driver, schema, registry, ensureStorage: { databaseUrl: db.url } });
    await runtime.run("mutation", "notes:seed", {});
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" }] };
    const token = await new SignJWT({ sub: "ada" }).setProtectedHeader({ alg: "ES256", kid: "k1" }).setIssuer(ISSUER).setExpirationTime("1h").sign(privateKey);
    const server = createServer({ runtime, auth: { providers: [{ type: "customJwt", issuer: ISSUER, jwks, algorithm: "ES256" }] } });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/api/query/notes:mine`;
    const anonymous = {};
    const bearer = { authorization: `Bearer ${token}` };
    try {
      await load(url, anonymous, 2);
      await load(url, bearer, 2);
      const a1 = await load(url, anonymous, DURATION);
      const b1 = await load(url, bearer, DURATION);
      const b2 = await load(url, bearer, DURATION);
      const a2 = await load(url, anonymous, DURATION);
      const avg = (x: LoadResult, y: LoadResult): LoadResult => ({ rps: (x.rps + y.rps) / 2, p50: (x.p50 + y.p50) / 2, p99: (x.p99 + y.p99) / 2, bad: x.bad + y.bad });
      const a = avg(a1, a2);
      const b = avg(b1, b2);
      const row = (name: string, r: LoadResult) => `  ${name.padEnd(30)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(1).padStart(5)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms   errors ${r.bad}`;
      console.log(`\nHTTP query (index read, take 10) on Postgres, 20 connections, ${DURATION} s rounds`);
      console.log(row("anonymous (no header)", a));
      console.log(row("Bearer ES256 token (cached)", b));
      console.log(`  ratio authenticated/anonymous: ${(b.rps / a.rps).toFixed(2)}x req/s, ${(b.p99 / a.p99).toFixed(2)}x p99`);
    } finally {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    }
  } finally {
    await driver.close();
    await db.drop();
  }
}

export async function run(): Promise<void> {
  await verificationBench();
  await httpBench();
}

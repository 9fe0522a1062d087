import { describe, expect, it } from "vitest";
import { StatementNames } from "./statement-names.js";

describe("StatementNames", () => {
  it("names one DML or SELECT statement, the same name for the same text", () => {
    const names = new StatementNames();
    const a = names.nameFor(`SELECT "_id" FROM "t" WHERE "_id" = $1`);
    expect(a).toMatch(/^convoy_/);
    expect(names.nameFor(`SELECT "_id" FROM "t" WHERE "_id" = $1`)).toBe(a);
    expect(names.nameFor(`INSERT INTO "t" VALUES ($1)`)).not.toBe(a);
    expect(names.nameFor(`with x as (select 1) select * from x`)).toBeDefined();
  });

  it("names BEGIN, COMMIT and ROLLBACK; leaves savepoints, DDL and multi-statement strings unnamed", () => {
    const names = new StatementNames();
    expect(names.nameFor("BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE")).toMatch(/^convoy_/);
    expect(names.nameFor("COMMIT")).toMatch(/^convoy_/);
    expect(names.nameFor("ROLLBACK")).toMatch(/^convoy_/);
    expect(names.size).toBe(3);
    expect(names.nameFor("BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE; SET LOCAL statement_timeout = 5")).toBeUndefined();
    expect(names.nameFor("SAVEPOINT convoy_1")).toBeUndefined();
    expect(names.nameFor("ROLLBACK TO SAVEPOINT convoy_1")).toBeUndefined();
    expect(names.nameFor(`CREATE INDEX "i" ON "t" ("a")`)).toBeUndefined();
    expect(names.nameFor("SELECT 1; SELECT 2")).toBeUndefined();
    expect(names.size).toBe(3);
  });

  it("is bounded: the least recently used text is forgotten and named afresh, never reusing a name", () => {
    const names = new StatementNames(2);
    const a = names.nameFor("SELECT 1");
    const b = names.nameFor("SELECT 2");
    expect(names.nameFor("SELECT 1")).toBe(a); // SELECT 2 is now the least recently used
    const c = names.nameFor("SELECT 3");
    expect(names.size).toBe(2);
    expect(names.nameFor("SELECT 1")).toBe(a);
    const b2 = names.nameFor("SELECT 2");
    expect(new Set([a, b, c, b2]).size).toBe(4);
  });

  it("when every text was used again, forgets the oldest after giving each a second chance, never the text it names", () => {
    const names = new StatementNames(3);
    const [a, b, c] = ["SELECT 1", "SELECT 2", "SELECT 3"].map((sql) => names.nameFor(sql));
    for (const sql of ["SELECT 1", "SELECT 2", "SELECT 3"]) names.nameFor(sql);
    const d = names.nameFor("SELECT 4");
    expect(names.size).toBe(3);
    expect(names.nameFor("SELECT 4")).toBe(d);
    expect(names.nameFor("SELECT 2")).toBe(b);
    expect(names.nameFor("SELECT 3")).toBe(c);
    expect(names.nameFor("SELECT 1")).not.toBe(a);
  });
});

import { describe, expect, it } from "vitest";
import { CommitLog } from "./commit-log.js";
import { emptyWriteSet, everythingWriteSet } from "../reactivity/write-set.js";

describe("CommitLog", () => {
  it("answers the commits after a version, newest first", () => {
    const log = new CommitLog(4);
    const sets = [1, 2, 3].map(() => emptyWriteSet());
    sets.forEach((set, i) => log.push(i + 1, set));
    expect(log.since(1)).toEqual([sets[2], sets[1]]);
    expect(log.since(3)).toEqual([]);
  });

  it("past its capacity, keeps the newest and answers everything for a range it lost", () => {
    const log = new CommitLog(3);
    const sets = Array.from({ length: 20 }, () => emptyWriteSet());
    sets.forEach((set, i) => log.push(i + 1, set));
    expect(log.size).toBe(3);
    expect(log.since(17)).toEqual([sets[19], sets[18], sets[17]]);
    expect(log.since(19)).toEqual([sets[19]]);
    expect(log.since(16)).toEqual([everythingWriteSet()]);
  });

  it("forgets everything on clear", () => {
    const log = new CommitLog(3);
    log.push(1, emptyWriteSet());
    log.clear();
    expect(log.size).toBe(0);
    expect(log.since(0)).toEqual([]);
  });
});

import { CronExpressionParser } from "cron-parser";
import { FrameworkError } from "../errors/framework-error.js";
import { getFunctionName, type OptionalRestArgs } from "../functions/function-reference.js";
import type { SchedulableFunctionReference } from "../functions/scheduler-types.js";

/** How often an `interval` job runs (at least one second in all). */
export interface IntervalSchedule {
  seconds?: number;
  minutes?: number;
  hours?: number;
}

/** `hourly`: at this minute of every hour (UTC). */
export interface HourlySchedule {
  minuteUTC: number;
}
/** `daily`: at this time of every day (UTC). */
export interface DailySchedule {
  hourUTC: number;
  minuteUTC: number;
}
/** `weekly`: at this time of this day of the week (UTC). */
export interface WeeklySchedule extends DailySchedule {
  dayOfWeek: "sunday" | "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday";
}
/** `monthly`: at this time of this day of the month (UTC; a day past the month's end skips that month). */
export interface MonthlySchedule extends DailySchedule {
  day: number;
}

/** A job's schedule, reduced to one of two kinds. */
export type CronSchedule = { type: "interval"; ms: number } | { type: "cron"; expression: string };

/** One cron job: its name, schedule and what it runs. */
export interface CronJob {
  readonly name: string;
  readonly schedule: CronSchedule;
  /** The function's name, `"module:export"`. */
  readonly functionName: string;
  readonly args: Record<string, unknown>;
}

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;

function integerIn(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new FrameworkError("INTERNAL", `cronJobs: ${what} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * The cron jobs of an app: the default export of `convoy/crons.ts`. Each tick runs its
 * function once across all servers (through the scheduler: a mutation exactly once, an action
 * at most once). Made by {@link cronJobs}.
 */
export class Crons {
  /** Marks the default export of `crons.ts`. */
  readonly isConvoyCrons = true;
  /** The jobs by name. */
  readonly jobs = new Map<string, CronJob>();

  private add(name: string, schedule: CronSchedule, reference: SchedulableFunctionReference, args: unknown): void {
    if (typeof name !== "string" || name === "") throw new FrameworkError("INTERNAL", "cronJobs: a job needs a name");
    if (this.jobs.has(name)) throw new FrameworkError("INTERNAL", `cronJobs: two jobs are named ${JSON.stringify(name)}`);
    if (args !== undefined && (typeof args !== "object" || args === null || Array.isArray(args))) {
      throw new FrameworkError("INTERNAL", `cronJobs: the arguments of ${JSON.stringify(name)} must be an object`);
    }
    this.jobs.set(name, Object.freeze({ name, schedule, functionName: getFunctionName(reference), args: (args ?? {}) as Record<string, unknown> }));
  }

  /**
   * Run every `seconds`/`minutes`/`hours` (added up; at least one second). The first run is one
   * interval after the job first appears.
   *
   * @example
   * crons.interval("clear old sessions", { minutes: 10 }, internal.sessions.clearOld);
   */
  interval<TReference extends SchedulableFunctionReference>(name: string, schedule: IntervalSchedule, reference: TReference, ...args: OptionalRestArgs<TReference>): void {
    const ms = ((schedule.hours ?? 0) * 3600 + (schedule.minutes ?? 0) * 60 + (schedule.seconds ?? 0)) * 1000;
    if (!Number.isFinite(ms) || ms < 1000) throw new FrameworkError("INTERNAL", `cronJobs: the interval of ${JSON.stringify(name)} must be at least one second`);
    this.add(name, { type: "interval", ms: Math.round(ms) }, reference, args[0]);
  }

  /**
   * Run on a cron expression (`"*\/5 * * * *"`; 5 fields, or 6 with seconds first), in UTC.
   *
   * @example
   * crons.cron("nightly report", "0 3 * * *", internal.reports.nightly);
   */
  cron<TReference extends SchedulableFunctionReference>(name: string, expression: string, reference: TReference, ...args: OptionalRestArgs<TReference>): void {
    try {
      CronExpressionParser.parse(expression, { tz: "UTC" });
    } catch (error) {
      throw new FrameworkError("INTERNAL", `cronJobs: ${JSON.stringify(name)} has an invalid cron expression ${JSON.stringify(expression)}: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.add(name, { type: "cron", expression }, reference, args[0]);
  }

  /** Run every hour at `minuteUTC`. */
  hourly<TReference extends SchedulableFunctionReference>(name: string, schedule: HourlySchedule, reference: TReference, ...args: OptionalRestArgs<TReference>): void {
    this.cron(name, `${integerIn("minuteUTC", schedule.minuteUTC, 0, 59)} * * * *`, reference, ...args);
  }

  /** Run every day at `hourUTC:minuteUTC`. */
  daily<TReference extends SchedulableFunctionReference>(name: string, schedule: DailySchedule, reference: TReference, ...args: OptionalRestArgs<TReference>): void {
    this.cron(name, `${integerIn("minuteUTC", schedule.minuteUTC, 0, 59)} ${integerIn("hourUTC", schedule.hourUTC, 0, 23)} * * *`, reference, ...args);
  }

  /** Run every week on `dayOfWeek` at `hourUTC:minuteUTC`. */
  weekly<TReference extends SchedulableFunctionReference>(name: string, schedule: WeeklySchedule, reference: TReference, ...args: OptionalRestArgs<TReference>): void {
    const day = DAYS.indexOf(schedule.dayOfWeek);
    if (day === -1) throw new FrameworkError("INTERNAL", `cronJobs: dayOfWeek must be one of ${DAYS.join(", ")}, got ${JSON.stringify(schedule.dayOfWeek)}`);
    this.cron(name, `${integerIn("minuteUTC", schedule.minuteUTC, 0, 59)} ${integerIn("hourUTC", schedule.hourUTC, 0, 23)} * * ${day}`, reference, ...args);
  }

  /** Run every month on `day` at `hourUTC:minuteUTC`. */
  monthly<TReference extends SchedulableFunctionReference>(name: string, schedule: MonthlySchedule, reference: TReference, ...args: OptionalRestArgs<TReference>): void {
    this.cron(name, `${integerIn("minuteUTC", schedule.minuteUTC, 0, 59)} ${integerIn("hourUTC", schedule.hourUTC, 0, 23)} ${integerIn("day", schedule.day, 1, 31)} * *`, reference, ...args);
  }
}

/**
 * Start the cron jobs of an app; `convoy/crons.ts` exports the result as its default.
 *
 * @example
 * // convoy/crons.ts
 * import { cronJobs } from "@convoy/core/server";
 * import { internal } from "./_generated/api";
 * const crons = cronJobs();
 * crons.interval("heartbeat", { seconds: 30 }, internal.health.beat);
 * crons.daily("digest", { hourUTC: 8, minuteUTC: 0 }, internal.mail.digest, { kind: "daily" });
 * export default crons;
 */
export function cronJobs(): Crons {
  return new Crons();
}

/** Whether a value is a {@link Crons} (also one made by another copy of this package). */
export function isCrons(value: unknown): value is Crons {
  return typeof value === "object" && value !== null && (value as { isConvoyCrons?: unknown }).isConvoyCrons === true && (value as { jobs?: unknown }).jobs instanceof Map;
}

/**
 * When a job runs next after it was due at `due` and it is now `now`: the first tick after
 * `now` (ticks missed while no server ran are not made up: the job runs once, then continues on
 * its schedule). For a new job, `due` is `null`.
 */
export function nextRun(schedule: CronSchedule, due: number | null, now: number): number {
  if (schedule.type === "interval") {
    if (due === null) return now + schedule.ms;
    return due + (Math.floor((now - due) / schedule.ms) + 1) * schedule.ms;
  }
  return CronExpressionParser.parse(schedule.expression, { currentDate: new Date(now), tz: "UTC" }).next().getTime();
}

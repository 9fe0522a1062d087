import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import yauzl from "yauzl";

/** One table's documents in a snapshot ZIP. */
export interface SnapshotTableEntry {
  table: string;
  entry: yauzl.Entry;
}

/** A snapshot ZIP opened for reading: its tables' `documents.jsonl` entries, read as streams. */
export interface SnapshotReader {
  /** `<table>/documents.jsonl` of each user table, in the ZIP's order. */
  readonly tables: readonly SnapshotTableEntry[];
  /** What the snapshot holds that an import skips (system tables, components, file storage), by path. */
  readonly skipped: readonly string[];
  /** The lines of one table's documents, with their 1-based line numbers (blank lines skipped). */
  lines(table: SnapshotTableEntry): AsyncIterable<{ line: number; text: string }>;
  close(): void;
}

/** A file that is not a readable ZIP (the message says why). */
export class SnapshotZipError extends Error {}

const DOCUMENTS = /^([^/]+)\/documents\.jsonl$/;

/** Opens a snapshot ZIP (Convex's export format: `<table>/documents.jsonl` per table). */
export async function openSnapshot(path: string): Promise<SnapshotReader> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (error, file) => {
      if (error !== null) reject(new SnapshotZipError(`${path} is not a readable ZIP file: ${error.message}`));
      else resolve(file);
    });
  });
  const tables: SnapshotTableEntry[] = [];
  const skipped: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on("entry", (entry: yauzl.Entry) => {
        const match = DOCUMENTS.exec(entry.fileName);
        if (match === null) {
          // components' tables live under _components/<name>/
          if (entry.fileName.startsWith("_components/") && entry.fileName.endsWith("/documents.jsonl")) skipped.push(entry.fileName);
        } else if (!match[1]!.startsWith("_")) {
          tables.push({ table: match[1]!, entry });
        } else if (match[1] !== "_tables") {
          skipped.push(entry.fileName); // system tables: _storage (file storage), _scheduled_functions, …
        }
        zip.readEntry();
      });
      zip.on("end", () => {
        resolve();
      });
      zip.on("error", (error: Error) => {
        reject(new SnapshotZipError(`${path} is not a readable ZIP file: ${error.message}`));
      });
      zip.readEntry();
    });
  } catch (error) {
    zip.close();
    throw error;
  }
  return {
    tables,
    skipped,
    async *lines(table) {
      const stream = await new Promise<Readable>((resolve, reject) => {
        zip.openReadStream(table.entry, (error, readable) => {
          if (error !== null) reject(new SnapshotZipError(`${table.entry.fileName}: ${error.message}`));
          else resolve(readable);
        });
      });
      let failure: Error | undefined;
      stream.on("error", (error: Error) => {
        failure = new SnapshotZipError(`${table.entry.fileName} is damaged: ${error.message}`);
      });
      const reader = createInterface({ input: stream, crlfDelay: Infinity });
      let line = 0;
      try {
        for await (const text of reader) {
          line++;
          if (failure !== undefined) throw failure;
          if (text.trim() !== "") yield { line, text };
        }
      } catch (error) {
        throw failure ?? (error instanceof SnapshotZipError ? error : new SnapshotZipError(`${table.entry.fileName} is damaged: ${(error as Error).message}`));
      } finally {
        reader.close();
        stream.destroy();
      }
      if (failure !== undefined) throw failure;
    },
    close() {
      zip.close();
    },
  };
}

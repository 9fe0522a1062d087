import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import yazl from "yazl";

/** Write a ZIP at `path` holding `files` (name → text), as a Convex snapshot export is laid out. */
export async function writeZip(path: string, files: Record<string, string>): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), name);
  zip.end();
  const out = createWriteStream(path);
  zip.outputStream.pipe(out);
  await finished(out);
}

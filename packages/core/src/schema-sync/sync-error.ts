/** A sync that cannot go ahead (a table that is not Convoy's, an unknown option…): exit 1 with this message. */
export class SyncError extends Error {
  override readonly name = "SyncError";
}

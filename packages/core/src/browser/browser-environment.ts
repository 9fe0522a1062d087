/* What ConvoyClient uses of the browser, when there is one: session ids, page events. */

/** A v4 UUID; `crypto.randomUUID` exists only in secure contexts. */
export function randomUuid(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** In a browser: asks before the page unloads while `pending()` holds. */
export function guardUnload(pending: () => boolean): () => void {
  const target = globalThis as { addEventListener?: typeof addEventListener; removeEventListener?: typeof removeEventListener; document?: unknown };
  if (typeof target.addEventListener !== "function" || target.document === undefined) return () => undefined;
  const onBeforeUnload = (event: BeforeUnloadEvent) => {
    if (!pending()) return;
    event.preventDefault();
  };
  target.addEventListener("beforeunload", onBeforeUnload);
  return () => target.removeEventListener?.("beforeunload", onBeforeUnload);
}

/** In a browser: calls `resume` when the tab becomes visible or the network comes back. */
export function listenForResume(resume: () => void): () => void {
  const target = globalThis as { addEventListener?: typeof addEventListener; removeEventListener?: typeof removeEventListener; document?: Document };
  if (typeof target.addEventListener !== "function" || target.document === undefined) return () => undefined;
  const doc = target.document;
  const onVisibility = () => {
    if (doc.visibilityState === "visible") resume();
  };
  target.addEventListener("online", resume);
  doc.addEventListener("visibilitychange", onVisibility);
  return () => {
    target.removeEventListener?.("online", resume);
    doc.removeEventListener("visibilitychange", onVisibility);
  };
}

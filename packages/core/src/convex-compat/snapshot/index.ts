export { importSnapshot, type ImportSnapshotOptions, type ImportSnapshotResult } from "./import-snapshot.js";
export { exportSnapshot, type ExportSnapshotOptions, type ExportSnapshotResult } from "./export-snapshot.js";
export { SnapshotImportError, type SnapshotErrorData } from "./snapshot-error.js";
export { parseExportJson, toExportJson } from "./export-json.js";

/**
 * `convoy dev`'s dashboard: a plain HTML/JS page (`packages/core/dashboard/`) and its JSON API
 * under `/api/_dev/`, mounted as extra routes of the dev server's HTTP handler. Never part of
 * `convoy start` or the mountable handlers.
 */
export { CallLog, type LoggedCall } from "./call-log.js";
export { createDashboardRoutes, DASHBOARD_PATH, DEV_API_PREFIX, type DashboardOptions } from "./dashboard-routes.js";

/**
 * `@convoy/electric/server`: serve ElectricSQL shapes of Convoy tables behind Convoy's auth and
 * table rules.
 *
 * ```ts
 * import { createShapeProxy, toNodeListener } from "@convoy/electric/server";
 * const proxy = createShapeProxy({ electricUrl: "http://localhost:3000/v1/shape", runtime, rules, auth: authConfig });
 * createServer(toNodeListener(proxy)).listen(3001);
 * ```
 */
export { createShapeProxy, type ShapeProxy, type ShapeProxyOptions } from "./shape-proxy.js";
export { toNodeListener } from "./node-listener.js";

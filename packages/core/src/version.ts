/** The version of this Convoy package (kept in step with package.json by a test). */
export const CONVOY_VERSION = "0.1.0";

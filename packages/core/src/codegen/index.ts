export { runCodegen, GENERATED_DIR } from "./run-codegen.js";
export { generateFiles, type CodegenInput } from "./generate-files.js";
export { listModules, type ModuleFile } from "./list-modules.js";

/**
 * The repository's own deploy tool on top of @steady/deploy: its two projects (platform, app)
 * from the committed Pulumi.<env>.yaml, the local backend, the toolchain, the demo and the load
 * generator.
 * @packageDocumentation
 */
export * from "./paths";
export * from "./pulumi-env";
export * from "./workspace";
export * from "./stack-runner";
export * from "./target";
export * from "./demo";
export * from "./load";
export * from "./under-load";
export * from "./legacy";
export { main, recoverCommand } from "./cli";
export * from "./args";

/**
 * Test helpers for steady components and stacks.
 * @packageDocumentation
 */
export * from "./mocks";
export * from "./stack-config";
export * from "./pulumi-yaml";
export * from "./wait";
export * from "./output";
export * from "./temp-dir";
export * from "./ts-cli";

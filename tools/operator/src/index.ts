/**
 * The generator of the Pulumi Kubernetes Operator manifests committed under deploy/operator:
 * one Stack object per project and environment, and the namespace and ServiceAccounts they use.
 * @packageDocumentation
 */
export * from "./stacks";
export * from "./render";

import * as pulumi from "@pulumi/pulumi";
import { parsePlatformConfig } from "./config";
import { platform } from "./program";

const outputs = platform(parsePlatformConfig(pulumi.runtime.allConfig()));

/** The environment name. */
export const environment = outputs.environment;
/** The namespace apps of this environment deploy into. */
export const namespace = outputs.namespace;
/** Kubeconfig the provider used ("" for the ambient one); a secret. */
export const kubeconfig = outputs.kubeconfig;
/** Names of the simulated nodes. */
export const nodeNames = outputs.nodeNames;

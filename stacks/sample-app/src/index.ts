import * as pulumi from "@pulumi/pulumi";
import { parseAppConfig } from "./config";
import { sampleApp } from "./program";

const outputs = sampleApp(parseAppConfig(pulumi.runtime.allConfig()));

/** Namespace the app runs in. */
export const namespace = outputs.namespace;
/** The Deployment's generated name. */
export const deploymentName = outputs.deploymentName;
/** The Service's generated name. */
export const serviceName = outputs.serviceName;
/** In-cluster URL of the app. */
export const url = outputs.url;
/** The version deployed. */
export const version = outputs.version;
/** Content hash of the app's config. */
export const configHash = outputs.configHash;
/** Labels that select the app's pods, stable and canary: what canary analysis lists pods by. */
export const selector = outputs.selector;
/** The canary Deployment's generated name, when a canary runs. */
export const canaryDeploymentName = outputs.canaryDeploymentName;

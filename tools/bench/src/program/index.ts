import * as pulumi from "@pulumi/pulumi";
import { benchStack } from "./apps";
import { parseBenchConfig } from "./config";

const outputs = benchStack(parseBenchConfig(pulumi.runtime.allConfig()));

/** Generated names of the apps' Deployments, in app order. */
export const deploymentNames = outputs.then((o) => o.deploymentNames);

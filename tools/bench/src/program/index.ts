import * as pulumi from "@pulumi/pulumi";
import { benchApps } from "./apps";
import { parseBenchConfig } from "./config";

const outputs = benchApps(parseBenchConfig(pulumi.runtime.allConfig()));

/** Generated names of the apps' Deployments, in app order. */
export const deploymentNames = outputs.deploymentNames;

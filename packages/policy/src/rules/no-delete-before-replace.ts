import type { PolicyResourceOptions } from "@pulumi/policy";
import { isKubernetesType } from "../k8s";
import { resourcePolicy } from "../wiring";

/** Name of the rule. */
export const NO_DELETE_BEFORE_REPLACE = "no-delete-before-replace";

/**
 * Checks that the `deleteBeforeReplace` resource option is not set: it makes every replacement
 * delete the old object before the new one exists.
 * @see https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/
 */
export function checkDeleteBeforeReplace(opts: Partial<PolicyResourceOptions>): string[] {
  return opts.deleteBeforeReplace === true
    ? [
        "the deleteBeforeReplace resource option is set: remove it, so a replacement creates the new object before deleting the old one and nothing is missing in between",
      ]
    : [];
}

/** Policy: no deleteBeforeReplace on Kubernetes objects. */
export const noDeleteBeforeReplacePolicy = resourcePolicy(
  {
    name: NO_DELETE_BEFORE_REPLACE,
    description: "No Kubernetes object sets the deleteBeforeReplace resource option.",
  },
  isKubernetesType,
  (_obj, ctx) => checkDeleteBeforeReplace(ctx.opts),
);

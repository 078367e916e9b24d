/**
 * The `steady-zero-downtime` policy pack program: `pulumi preview --policy-pack <this package>`
 * runs it. Loading this module starts the pack's server, so programs never import it; the rules
 * as plain functions are in `@steady/policy/lib`.
 * @packageDocumentation
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_ARGS, PACK_NAME } from "./pack";

new PolicyPack(PACK_NAME, PACK_ARGS);

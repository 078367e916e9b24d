import { join } from "node:path";
import { describePulumiYaml } from "@steady/testing";
import { PLATFORM_CONFIG } from "../src/config";

describePulumiYaml(join(__dirname, ".."), PLATFORM_CONFIG);

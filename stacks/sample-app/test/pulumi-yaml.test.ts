import { join } from "node:path";
import { describePulumiYaml } from "@steady/testing";
import { APP_CONFIG } from "../src/config";

describePulumiYaml(join(__dirname, ".."), APP_CONFIG);

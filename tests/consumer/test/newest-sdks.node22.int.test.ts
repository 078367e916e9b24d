import { newestSdksOn } from "./newest-sdks.scenario";

newestSdksOn("22");

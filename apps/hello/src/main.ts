/**
 * Entry point: `node dist/main.js`. Reads the configuration from the environment (exit 2 when it
 * is bad), serves, and drains on SIGTERM or SIGINT (exit 0 when every connection finished,
 * 1 when the DRAIN_SECONDS deadline had to cut some).
 * @packageDocumentation
 */
import { ConfigError, parseConfig, type Config } from "./config";
import { createJsonLogger } from "./log";
import { createApp } from "./server";

/** Exit code for a configuration the app refuses to start with. */
export const EXIT_BAD_CONFIG = 2;

const log = createJsonLogger();

/** Parses the configuration, or prints every problem to stderr and exits 2. */
function loadConfig(): Config {
  try {
    return parseConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`config error: ${problem}\n`);
    return process.exit(EXIT_BAD_CONFIG);
  }
}

/** Logs the exit and ends the process; stdout is synchronous on Linux, so the line is kept. */
function exit(code: number, msg: string, fields: Record<string, unknown> = {}): never {
  log("exit", msg, { code, ...fields });
  return process.exit(code);
}

const config = loadConfig();
const app = createApp(config, { log });

let signalled: NodeJS.Signals | undefined;
function onSignal(signal: NodeJS.Signals): void {
  if (signalled !== undefined) {
    // Only a person sends a second signal (Kubernetes sends one, then SIGKILL): stop waiting.
    exit(1, `second signal ${signal} while draining: exiting without waiting`, { signal });
  }
  signalled = signal;
  void app
    .drain()
    .then(({ cutConnections }) =>
      exit(cutConnections === 0 ? 0 : 1, `exiting after ${signal}`, { signal, cutConnections }),
    );
}
// Installed before listening: as PID 1 in a container, the kernel drops signals a process has
// no handler for, so without these SIGTERM would do nothing and the pod would wait for SIGKILL.
process.on("SIGTERM", onSignal);
process.on("SIGINT", onSignal);

app.start().catch((error: Error) => {
  exit(1, `cannot listen on port ${config.port}: ${error.message}`);
});

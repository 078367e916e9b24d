import { startupSection } from "../src/markdown";
import { startupSteps } from "../src/startup";

describe("startupSteps", () => {
  it("gives each step's median and range over the runs", () => {
    const steps = startupSteps([
      { cliFirstLine: 100, programRun: 300, firstOperation: 2000 },
      { cliFirstLine: 140, programRun: 320, firstOperation: 1800 },
      { cliFirstLine: 120, programRun: 400, firstOperation: 2600 },
    ]);
    expect(steps[0]).toEqual({
      step: "CLI start: spawn to the CLI's first log line",
      ms: { runs: [100, 140, 120], median: 120, min: 100, max: 140 },
    });
    expect(steps[1]!.ms).toMatchObject({ runs: [200, 180, 280], median: 200 });
    expect(steps.at(-1)!.ms).toMatchObject({ median: 2000, min: 1800, max: 2600 });
  });

  it("leaves a step without a number when any run's log lacked it", () => {
    const steps = startupSteps([{ cliFirstLine: 100, programRun: 300 }, { cliFirstLine: 100 }]);
    expect(steps[0]!.ms?.median).toBe(100);
    expect(steps[1]).toEqual({
      step: "CLI: language host probe, stack and backend load, plugin list",
    });
  });
});

describe("startupSection", () => {
  it("shows each step's median and range, and says which steps the log lacked", () => {
    const md = startupSection({
      steps: startupSteps([
        { cliFirstLine: 100, firstOperation: 2000 },
        { cliFirstLine: 140, firstOperation: 1800 },
      ]),
    });
    expect(md).toContain(
      "| CLI start: spawn to the CLI's first log line | 120 ms (100 ms–140 ms) |",
    );
    expect(md).toContain("| spawn to the first resource operation | 1900 ms (1800 ms–2000 ms) |");
    expect(md).toContain("| program: to its provider's registration | not in the log |");
  });
});

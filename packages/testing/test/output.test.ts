import { captureOutput } from "../src";

describe("captureOutput", () => {
  it("collects stdout and stderr apart, and restore puts the streams back", () => {
    const realOut = process.stdout.write;
    const c = captureOutput();
    try {
      process.stdout.write("one ");
      process.stdout.write("two");
      process.stderr.write("bad\n");
    } finally {
      c.restore();
    }
    expect(c.out).toEqual(["one ", "two"]);
    expect(c.err).toEqual(["bad\n"]);
    expect(process.stdout.write).toBe(realOut);
  });
});

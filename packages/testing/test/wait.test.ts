import { waitFor } from "../src";

describe("waitFor", () => {
  it("returns the first truthy value, retrying falsy results and errors", async () => {
    let n = 0;
    const v = await waitFor(
      "the third try",
      async () => {
        n++;
        if (n === 1) throw new Error("not yet");
        return n === 3 && { tries: n };
      },
      { intervalMs: 1 },
    );
    expect(v).toEqual({ tries: 3 });
  });

  it("names what it waited for and the last error when time is up", async () => {
    await expect(
      waitFor(
        "a pod",
        async () => {
          throw new Error("connection refused");
        },
        { timeoutMs: 20, intervalMs: 5 },
      ),
    ).rejects.toThrow("timed out after 0.02 s waiting for a pod: Error: connection refused");
  });

  it("gives up at once, with the reason, when abortIf names one", async () => {
    let checks = 0;
    const began = Date.now();
    await expect(
      waitFor(
        "the server to answer",
        async () => {
          checks++;
          return false;
        },
        {
          timeoutMs: 60_000,
          intervalMs: 5,
          abortIf: () => (checks >= 2 ? "it exited 1" : undefined),
        },
      ),
    ).rejects.toThrow("gave up waiting for the server to answer: it exited 1");
    expect(checks).toBe(2);
    expect(Date.now() - began).toBeLessThan(10_000);
  });
});

import { asksForHelp, withHelp } from "../src/help";

describe("help of the command-line tools", () => {
  let log: jest.SpyInstance;
  beforeEach(() => {
    log = jest.spyOn(console, "log").mockImplementation(() => undefined);
  });
  afterEach(() => log.mockRestore());

  it.each([[["--help"]], [["-h"]], [["help"]], [["up", "--help"]], [["demo", "-h"]]])(
    "%j prints the usage on stdout and exits 0 without running the command",
    async (argv) => {
      const main = jest.fn(async () => 2);
      expect(await withHelp(main, "usage: tool")(argv)).toBe(0);
      expect(main).not.toHaveBeenCalled();
      expect(log.mock.calls).toEqual([["usage: tool"]]);
    },
  );

  it.each([[[]], [["up"]], [["up", "--stack", "help"]], [["--helpful"]]])(
    "%j runs the command and returns its exit code",
    async (argv) => {
      const main = jest.fn(async () => 3);
      expect(await withHelp(main, "usage: tool")(argv)).toBe(3);
      expect(main).toHaveBeenCalledWith(argv);
      expect(log).not.toHaveBeenCalled();
      expect(asksForHelp(argv)).toBe(false);
    },
  );
});

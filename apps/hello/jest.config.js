/** @type {import("jest").Config} */
module.exports = {
  preset: "@steady/testing",
  // The drain tests compile the app and run it as a child process through full drain cycles,
  // including one that waits out a drain deadline; the default 5 s is too tight for that.
  testTimeout: 20_000,
};

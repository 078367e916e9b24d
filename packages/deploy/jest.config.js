module.exports = { preset: "@steady/testing" };

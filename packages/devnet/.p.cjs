const { LiteSVM } = require("litesvm");
const internal = require("litesvm/dist/internal");
const svm = new LiteSVM();
console.log("ok");

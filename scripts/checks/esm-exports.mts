// Run by test/common/exports.test.ts: what an ES module sees of @zkpool/common's named exports.
import * as common from "@zkpool/common";
import * as node from "@zkpool/common/node";

process.stdout.write(`${JSON.stringify({ common: Object.keys(common), node: Object.keys(node) })}\n`);

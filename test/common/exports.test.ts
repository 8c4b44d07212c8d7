import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { repoRoot } from "@zkpool/common/node";

const SRC = path.join(repoRoot, "common", "src");
const ENTRY_POINTS = new Set(["index.ts", "node.ts"]);

/** A module as CommonJS sees it: every export it has at run time. */
function loaded(id: string): object {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(id) as object;
}

/** Every value each module of @zkpool/common exports, by module. */
function moduleExports(): Map<string, string[]> {
  const modules = new Map<string, string[]>();
  const files = readdirSync(SRC)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !ENTRY_POINTS.has(f))
    .map((f) => path.join(SRC, f))
    .concat(path.join(SRC, "generated", "abis.ts"));
  for (const file of files) modules.set(path.relative(SRC, file), Object.keys(loaded(file)));
  return modules;
}

describe("@zkpool/common's entry points", () => {
  it("export every value of every module, through '.' or './node'", () => {
    const exported = new Set([...Object.keys(loaded("@zkpool/common")), ...Object.keys(loaded("@zkpool/common/node"))]);
    const missing = [...moduleExports()].flatMap(([file, names]) =>
      names.filter((n) => !exported.has(n)).map((n) => `${n} (${file})`),
    );
    expect(missing, "add these to common/src/index.ts (or node.ts for Node-only modules)").to.deep.equal([]);
  });

  it("give ESM importers (the relayer, the agent) every named export", () => {
    // Node's ESM loader sees a CommonJS module's names only when they are written out: check it for real.
    const out = execFileSync(
      process.execPath,
      [
        path.join(repoRoot, "node_modules", "tsx", "dist", "cli.mjs"),
        path.join(repoRoot, "scripts", "checks", "esm-exports.mts"),
      ],
      { encoding: "utf8" },
    );
    const seen = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { common: string[]; node: string[] };
    const expectedCommon = Object.keys(loaded("@zkpool/common"));
    const expectedNode = Object.keys(loaded("@zkpool/common/node"));
    expect(expectedCommon.filter((n) => !seen.common.includes(n))).to.deep.equal([]);
    expect(expectedNode.filter((n) => !seen.node.includes(n))).to.deep.equal([]);
  });
});

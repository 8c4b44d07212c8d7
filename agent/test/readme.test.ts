import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";

const AGENT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("agent/README.md", () => {
  it("names in its Code section only files and folders that exist", () => {
    const readme = readFileSync(path.join(AGENT, "README.md"), "utf8");
    const start = readme.indexOf("## Code");
    const code = readme.slice(start, readme.indexOf("\n## ", start + 1));
    // `session.ts`, `backends/` are in agent/src; a path with a folder in it is the repository's.
    const named = [...code.matchAll(/`([\w./-]+(?:\.ts|\/))`/g)].map((m) => m[1]!);
    expect(named, "the Code section names the sources").to.include.members(["agent.ts", "cli.ts", "backends/"]);
    const where = (name: string) =>
      [path.join(AGENT, "src", name), path.join(AGENT, name), path.join(AGENT, "..", name)].find((p) => existsSync(p));
    expect(named.filter((name) => where(name) === undefined)).to.deep.equal([]);
  });
});

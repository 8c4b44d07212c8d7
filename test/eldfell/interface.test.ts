// Our Taiko A4 contracts against eldfell's signatures. Each test/eldfell/<Contract>.txt lists, in viem's
// human-readable form, the items of Taiko's eldfell contract (taikoxyz/taiko-mono@3b3317ad) that ZKPool, the
// relayer, the agent, the scripts or the tests use; here every listed item must be in our compiled ABI (the one
// @zkpool/common exports) with the same kind, name, types, tuple layout, outputs, indexed flags and state
// mutability. Parameter names do not count. Any missing or different item fails the test, all of them listed.

import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseAbi, type Abi, type AbiParameter } from "viem";
import { proverPoolAbi, taikoL1Abi, taikoTokenAbi } from "@zkpool/common";

const DIR = __dirname;

/** Our compiled ABI of each contract a list may name. */
const OURS: Record<string, Abi> = {
  TaikoL1: taikoL1Abi as Abi,
  ProverPool: proverPoolAbi as Abi,
  TaikoToken: taikoTokenAbi as Abi,
};

type Item = Abi[number];

/** A parameter's type with tuples spelled out, e.g. `(uint64,uint32)[]`; names dropped. */
function typeOf(p: AbiParameter): string {
  if (!p.type.startsWith("tuple")) return p.type;
  const components = "components" in p ? p.components : [];
  return `(${components.map(typeOf).join(",")})${p.type.slice("tuple".length)}`;
}

/** The kind and name of an item, and (for a function, the overloads apart) its input types. */
function keyOf(item: Item, withInputs: boolean): string {
  if (item.type !== "function" && item.type !== "event" && item.type !== "error") return item.type;
  const inputs = withInputs ? `(${item.inputs.map(typeOf).join(",")})` : "";
  return `${item.type} ${item.name}${inputs}`;
}

/** Everything about an item that must match: types, outputs, indexed flags, state mutability. */
export function canonical(item: Item): string {
  switch (item.type) {
    case "function":
      return `function ${item.name}(${item.inputs.map(typeOf).join(",")}) ${item.stateMutability} returns (${item.outputs
        .map(typeOf)
        .join(",")})`;
    case "event":
      return `event ${item.name}(${item.inputs
        .map((p) => `${typeOf(p)}${"indexed" in p && p.indexed ? " indexed" : ""}`)
        .join(",")})${item.anonymous ? " anonymous" : ""}`;
    case "error":
      return `error ${item.name}(${item.inputs.map(typeOf).join(",")})`;
    default:
      return item.type;
  }
}

/**
 * The list's items: one per line, blank lines and `#` comments skipped; `struct` lines name tuples the other
 * lines use (parsed together, as parseAbi does), and are not items themselves.
 */
export function parseList(text: string): Item[] {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  return parseAbi(lines) as unknown as Item[];
}

/** Every listed item missing from `ours` or different in it, in words. */
export function differences(listed: readonly Item[], ours: Abi): string[] {
  const problems: string[] = [];
  for (const item of listed) {
    const want = canonical(item);
    // Overloaded functions are told apart by their inputs; anything else by kind and name.
    const overloaded =
      item.type === "function" && listed.filter((i) => keyOf(i, false) === keyOf(item, false)).length > 1;
    const candidates = ours.filter((o) => keyOf(o, overloaded) === keyOf(item, overloaded));
    if (candidates.length === 0) {
      problems.push(`missing: ${want}`);
      continue;
    }
    if (!candidates.some((o) => canonical(o) === want)) {
      problems.push(`different: eldfell has ${want}; ours: ${candidates.map(canonical).join(" | ")}`);
    }
  }
  return problems;
}

describe("eldfell's signatures (test/eldfell/*.txt) in our ABIs", function () {
  const lists = readdirSync(DIR).filter((file) => file.endsWith(".txt"));

  it("has a list for ProverPool and TaikoToken, and only lists for contracts we have", function () {
    expect(lists).to.include.members(["ProverPool.txt", "TaikoToken.txt"]);
    for (const file of lists) expect(Object.keys(OURS), file).to.include(path.basename(file, ".txt"));
  });

  for (const file of lists) {
    const contract = path.basename(file, ".txt");
    it(`${contract}: every item of ${file} is in our ${contract} ABI, as eldfell has it`, function () {
      const listed = parseList(readFileSync(path.join(DIR, file), "utf8"));
      expect(listed.length, `${file} lists nothing`).to.be.greaterThan(0);
      const ours = OURS[contract];
      if (!ours) throw new Error(`no ABI of ours for ${contract}`);
      const problems = differences(listed, ours);
      expect(problems, `${contract} differs from eldfell:\n  ${problems.join("\n  ")}\n`).to.deep.equal([]);
    });
  }

  describe("the comparison itself", function () {
    const ours = proverPoolAbi as Abi;

    it("reports an item we lack, and an item whose types, outputs, indexed flags or mutability differ", function () {
      const listed = parseList(`
        # a comment, then items that are not as ours
        function getRank(address addr) view returns (uint256)
        error CHANGE_TOO_FREQUENT(uint64 allowedAt)
        function getStaker(address addr) view returns ((uint64 a, uint64 b, uint64 c, uint32 d, uint8 e) staker, (uint64 x, uint32 y, uint32 z) prover)
        event Staked(address addr, uint64 amount, uint32 rewardPerGas, uint32 currentCapacity)
        function getCapacity() returns (uint256)
        function slashProver(uint64 blockId, address addr, uint64 proofReward)
      `);
      expect(differences(listed, ours)).to.deep.equal([
        "missing: function getRank(address) view returns (uint256)",
        "different: eldfell has error CHANGE_TOO_FREQUENT(uint64); ours: error CHANGE_TOO_FREQUENT()",
        "different: eldfell has function getStaker(address) view returns ((uint64,uint64,uint64,uint32,uint8),(uint64,uint32,uint32)); ours: function getStaker(address) view returns ((uint64,uint64,uint32,uint32),(uint64,uint32,uint32))",
        "different: eldfell has event Staked(address,uint64,uint32,uint32); ours: event Staked(address indexed,uint64,uint32,uint32)",
        "different: eldfell has function getCapacity() nonpayable returns (uint256); ours: function getCapacity() view returns (uint256)",
        "different: eldfell has function slashProver(uint64,address,uint64) nonpayable returns (); ours: function slashProver(address,uint64) nonpayable returns ()",
      ]);
    });

    it("tells overloads apart by their inputs and ignores parameter names", function () {
      const listed = parseList(`
        function resolve(bytes32 n, bool z) view returns (address a)
        function resolve(uint256 c, bytes32 n, bool z) view returns (address a)
        function resolve(address x) view returns (address)
      `);
      expect(differences(listed, ours)).to.deep.equal(["missing: function resolve(address) view returns (address)"]);
    });
  });
});

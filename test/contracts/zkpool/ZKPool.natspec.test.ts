import { expect } from "chai";
import { artifacts } from "hardhat";

/**
 * IZKPool carries ZKPool's documentation (house style: the interface documents, the implementation says
 * `@inheritdoc IZKPool`). These tests read the compiler's userdoc and devdoc (hardhat.config.ts asks solc for
 * them) and fail when a function, event or error of ZKPool's ABI is missing from IZKPool or lacks a @notice,
 * a @param or a @return.
 */

interface AbiParam {
  name: string;
  type: string;
  components?: AbiParam[];
}

interface AbiEntry {
  type: string;
  name?: string;
  inputs?: AbiParam[];
  outputs?: AbiParam[];
}

interface UserDoc {
  methods?: Record<string, { notice?: string }>;
  events?: Record<string, { notice?: string }>;
  errors?: Record<string, { notice?: string }[]>;
}

interface DevDocEntry {
  params?: Record<string, string>;
  returns?: Record<string, string>;
}

interface DevDoc {
  methods?: Record<string, DevDocEntry>;
  events?: Record<string, DevDocEntry>;
  errors?: Record<string, DevDocEntry[]>;
}

/**
 * ABI entries ZKPool inherits from OpenZeppelin (Ownable2Step, EIP712 and the libraries it uses), which IZKPool
 * cannot declare again (solc: "Identifier already declared", "Event with same name and parameter types defined
 * twice"): OpenZeppelin documents them, and IZKPool's opening NatSpec names them.
 */
const DECLARED_BY_OPENZEPPELIN = [
  "event EIP712DomainChanged()",
  "event OwnershipTransferStarted(address,address)",
  "event OwnershipTransferred(address,address)",
  "error CheckpointUnorderedInsertion()",
  "error InvalidShortString()",
  "error OwnableInvalidOwner(address)",
  "error OwnableUnauthorizedAccount(address)",
  "error SafeCastOverflowedUintDowncast(uint8,uint256)",
  "error SafeERC20FailedOperation(address)",
  "error StringTooLong(string)",
];

const DOCUMENTED_KINDS = new Set(["function", "event", "error"]);

function canonicalType(param: AbiParam): string {
  if (!param.type.startsWith("tuple")) return param.type;
  return `(${(param.components ?? []).map(canonicalType).join(",")})${param.type.slice("tuple".length)}`;
}

/** `transfer(address,uint256)`: how userdoc and devdoc name an entry. */
function signature(entry: AbiEntry): string {
  return `${entry.name ?? ""}(${(entry.inputs ?? []).map(canonicalType).join(",")})`;
}

/** `function transfer(address,uint256)`: a function, an event and an error may share a signature. */
function key(entry: AbiEntry): string {
  return `${entry.type} ${signature(entry)}`;
}

async function abiOf(contract: string): Promise<AbiEntry[]> {
  const { abi } = await artifacts.readArtifact(contract);
  return (abi as AbiEntry[]).filter((entry) => DOCUMENTED_KINDS.has(entry.type));
}

async function docsOf(fullyQualifiedName: string): Promise<{ userdoc: UserDoc; devdoc: DevDoc }> {
  const buildInfo = await artifacts.getBuildInfo(fullyQualifiedName);
  const [source, name] = fullyQualifiedName.split(":") as [string, string];
  const output = buildInfo?.output.contracts[source]?.[name] as { userdoc?: UserDoc; devdoc?: DevDoc } | undefined;
  if (!output?.userdoc || !output.devdoc) {
    throw new Error(`no userdoc/devdoc for ${fullyQualifiedName}: is outputSelection set in hardhat.config.ts?`);
  }
  return { userdoc: output.userdoc, devdoc: output.devdoc };
}

function noticeOf(userdoc: UserDoc, entry: AbiEntry): string | undefined {
  const sig = signature(entry);
  if (entry.type === "function") return userdoc.methods?.[sig]?.notice;
  if (entry.type === "event") return userdoc.events?.[sig]?.notice;
  return userdoc.errors?.[sig]?.[0]?.notice;
}

function devdocOf(devdoc: DevDoc, entry: AbiEntry): DevDocEntry {
  const sig = signature(entry);
  if (entry.type === "function") return devdoc.methods?.[sig] ?? {};
  if (entry.type === "event") return devdoc.events?.[sig] ?? {};
  return devdoc.errors?.[sig]?.[0] ?? {};
}

/** What is missing from `entry`'s documentation: its @notice, a @param per input, a @return per output. */
function missingDocs(userdoc: UserDoc, devdoc: DevDoc, entry: AbiEntry): string[] {
  const missing: string[] = [];
  if (!noticeOf(userdoc, entry)?.trim()) missing.push("@notice");
  const { params = {}, returns = {} } = devdocOf(devdoc, entry);
  for (const [i, input] of (entry.inputs ?? []).entries()) {
    if (!input.name) missing.push(`a name for parameter ${i}`);
    else if (!params[input.name]?.trim()) missing.push(`@param ${input.name}`);
  }
  for (const [i, output] of (entry.outputs ?? []).entries()) {
    const name = output.name || `_${i}`;
    if (!returns[name]?.trim()) missing.push(`@return ${output.name || `#${i}`}`);
  }
  return missing;
}

describe("ZKPool: NatSpec", function () {
  let pool: AbiEntry[];
  let iface: AbiEntry[];
  let docs: { userdoc: UserDoc; devdoc: DevDoc };

  before(async function () {
    pool = await abiOf("contracts/ZKPool.sol:ZKPool");
    iface = await abiOf("contracts/interfaces/IZKPool.sol:IZKPool");
    docs = await docsOf("contracts/interfaces/IZKPool.sol:IZKPool");
  });

  it("IZKPool declares every function, event and error of ZKPool but OpenZeppelin's", function () {
    const declared = new Set(iface.map(key));
    const undeclared = pool.map(key).filter((k) => !declared.has(k));
    expect(undeclared.sort()).to.deep.equal([...DECLARED_BY_OPENZEPPELIN].sort());
  });

  it("IZKPool gives each a @notice, a @param per parameter and a @return per return value", function () {
    const gaps = iface
      .map((entry) => ({ entry: key(entry), missing: missingDocs(docs.userdoc, docs.devdoc, entry) }))
      .filter(({ missing }) => missing.length !== 0);
    expect(gaps).to.deep.equal([]);
  });

  it("ZKPool's functions carry IZKPool's notices (@inheritdoc IZKPool), not notices of their own", async function () {
    const own = await docsOf("contracts/ZKPool.sol:ZKPool");
    const differing = iface
      .filter((entry) => entry.type === "function")
      .filter((entry) => noticeOf(own.userdoc, entry) !== noticeOf(docs.userdoc, entry))
      .map(key);
    expect(differing).to.deep.equal([]);
  });
});

// A contract's storage slots by variable name, from the compiler's storage layout (hardhat.config.ts asks solc
// for it), so a test can put a ledger at its limits without guessing slot numbers.

import { artifacts, ethers, network } from "hardhat";

interface StorageEntry {
  label: string;
  slot: string;
  offset: number;
  type: string;
}

/** The slot of state variable `label` of `contract` ("contracts/ZKPool.sol:ZKPool"); only whole-slot variables. */
export async function slotOf(contract: string, label: string): Promise<bigint> {
  const buildInfo = await artifacts.getBuildInfo(contract);
  const [source, name] = contract.split(":") as [string, string];
  const layout = (buildInfo?.output.contracts[source]?.[name] as { storageLayout?: { storage: StorageEntry[] } })
    ?.storageLayout;
  if (!layout) throw new Error(`no storage layout for ${contract}: is outputSelection set in hardhat.config.ts?`);
  const entry = layout.storage.find((e) => e.label === label);
  if (!entry) throw new Error(`${contract} has no state variable ${label}`);
  if (entry.offset !== 0) throw new Error(`${label} shares its slot: write it by hand`);
  return BigInt(entry.slot);
}

export async function readSlot(address: string, slot: bigint): Promise<bigint> {
  return BigInt(await ethers.provider.getStorage(address, slot));
}

export async function writeSlot(address: string, slot: bigint, value: bigint): Promise<void> {
  await network.provider.send("hardhat_setStorageAt", [address, ethers.toBeHex(slot), ethers.toBeHex(value, 32)]);
}

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getAddress, isAddress, type Address } from "viem";
import { repoRoot } from "./paths";

/** The local Taiko A4 protocol's contracts. */
export const TAIKO_CONTRACTS = ["TaikoToken", "ProverPool", "TaikoL1", "BlockProofVerifier"] as const;
export type TaikoContract = (typeof TAIKO_CONTRACTS)[number];
/** The contracts every deployment file names. */
export const DEPLOYED_CONTRACTS = [...TAIKO_CONTRACTS, "ZKPool"] as const;
export type DeployedContract = (typeof DEPLOYED_CONTRACTS)[number];

export interface DeployedAt {
  address: Address;
  startBlock: number;
}

/** `deployments/<chainId>.json`: where each contract lives and the block it was deployed in. */
export interface Deployment {
  chainId: number;
  contracts: Record<DeployedContract, DeployedAt> & Partial<Record<string, DeployedAt>>;
}

/** Taiko's part of a deployment, before ZKPool is deployed on it. */
export interface TaikoDeploymentFile {
  chainId: number;
  contracts: Record<TaikoContract, DeployedAt>;
}

export class DeploymentError extends Error {
  override name = "DeploymentError";
}

export function deploymentPath(chainId: number, dir = path.join(repoRoot, "deployments")): string {
  return path.join(dir, `${chainId}.json`);
}

/** Reads and checks a deployment file; the error says which file and which field is wrong. */
export function readDeployment(chainId: number, dir?: string): Deployment {
  const file = deploymentPath(chainId, dir);
  if (!existsSync(file)) {
    throw new DeploymentError(
      `No deployment for chain ${chainId}: ${file} does not exist. Start the local network with \`npm start\` (or deploy) first.`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new DeploymentError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseDeployment(raw, file);
}

export function parseDeployment(raw: unknown, source = "deployment"): Deployment {
  const fail = (what: string): never => {
    throw new DeploymentError(`${source}: ${what}`);
  };
  if (typeof raw !== "object" || raw === null) return fail("expected an object");
  const { chainId, contracts } = raw as { chainId?: unknown; contracts?: unknown };
  if (typeof chainId !== "number" || !Number.isInteger(chainId)) return fail("chainId must be an integer");
  if (typeof contracts !== "object" || contracts === null) return fail("contracts must be an object");
  const parsed: Record<string, DeployedAt> = {};
  for (const [name, entry] of Object.entries(contracts)) {
    const { address, startBlock } = (entry ?? {}) as { address?: unknown; startBlock?: unknown };
    if (typeof address !== "string" || !isAddress(address)) return fail(`contracts.${name}.address is not an address`);
    if (typeof startBlock !== "number" || !Number.isInteger(startBlock) || startBlock < 0) {
      return fail(`contracts.${name}.startBlock must be a block number`);
    }
    parsed[name] = { address: getAddress(address), startBlock };
  }
  for (const name of DEPLOYED_CONTRACTS) {
    if (!parsed[name]) fail(`contracts.${name} is missing`);
  }
  return { chainId, contracts: parsed as Deployment["contracts"] };
}

export function writeDeployment(deployment: Deployment, dir?: string): string {
  const file = deploymentPath(deployment.chainId, dir);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(deployment, null, 2)}\n`);
  return file;
}

import { encodeBytes32String, type ContractTransactionResponse, type Signer } from "ethers";
import { LOCAL_TAIKO_ADDRESSES, type PoolParams, type ProtocolParams, type TaikoAddresses } from "@zkpool/common";
import type { Deployment, TaikoDeploymentFile } from "@zkpool/common/node";
import {
  AddressManager__factory,
  ZKPool__factory,
  type ZKPool,
  BlockProofVerifier__factory,
  ProverPool__factory,
  TaikoL1__factory,
  TaikoToken__factory,
  type AddressManager,
  type BlockProofVerifier,
  type ProverPool,
  type TaikoL1,
  type TaikoToken,
} from "../../typechain-types";

export interface TaikoDeployment {
  /** The name book (eldfell's AddressManager) through which ProverPool and TaikoToken find the others. */
  addressManager: AddressManager;
  token: TaikoToken;
  proverPool: ProverPool;
  taikoL1: TaikoL1;
  verifier: BlockProofVerifier;
  /** The deployment file's view of it: addresses and the blocks they were deployed in. */
  deployment: TaikoDeploymentFile;
}

async function mined(tx: ContractTransactionResponse | null): Promise<number> {
  const receipt = await tx?.wait();
  if (!receipt) throw new Error("deployment transaction was not mined");
  return receipt.blockNumber;
}

/**
 * Deploys the local Taiko A4 protocol: TaikoToken (TTKOe), the BlockProofVerifier (eldfell's verifier call in
 * front of the Groth16 verifier), ProverPool and TaikoL1 (verifierId 0 = the verifier, the signal services and
 * the L2's taiko contract: the local stand-ins unless given), and names them in an AddressManager ("taiko",
 * "prover_pool", "taiko_token", and "dao": `options.dao`, by default the deployer), which is what lets TaikoL1,
 * ProverPool and the DAO mint and burn TTKOe.
 */
export async function deployTaiko(
  deployer: Signer,
  params: ProtocolParams,
  options: { genesisBlockHash: string; treasury?: string; dao?: string; addresses?: TaikoAddresses },
): Promise<TaikoDeployment> {
  const owner = await deployer.getAddress();
  const addressManager = await new AddressManager__factory(deployer).deploy(owner);
  await mined(addressManager.deploymentTransaction());
  const token = await new TaikoToken__factory(deployer).deploy(
    addressManager.target as string,
    "Taiko Token Eldfell",
    "TTKOe",
    [],
    [],
  );
  const tokenBlock = await mined(token.deploymentTransaction());
  const verifier = await new BlockProofVerifier__factory(deployer).deploy();
  const verifierBlock = await mined(verifier.deploymentTransaction());
  const proverPool = await new ProverPool__factory(deployer).deploy(
    addressManager.target as string,
    params.proverPool.exitPeriod,
    params.proverPool.changeDelay,
  );
  const poolBlock = await mined(proverPool.deploymentTransaction());
  const taikoL1 = await new TaikoL1__factory(deployer).deploy(
    await token.getAddress(),
    await proverPool.getAddress(),
    [await verifier.getAddress()],
    params.taiko,
    params.taikoL1,
    { ...(options.addresses ?? LOCAL_TAIKO_ADDRESSES), treasury: options.treasury ?? owner },
    options.genesisBlockHash,
  );
  const taikoBlock = await mined(taikoL1.deploymentTransaction());

  const network = await deployer.provider?.getNetwork();
  if (!network) throw new Error("the deployer has no provider");
  // Eldfell's contracts find each other by name in the AddressManager, on this chain's domain.
  const names: [string, string][] = [
    ["taiko", await taikoL1.getAddress()],
    ["prover_pool", await proverPool.getAddress()],
    ["taiko_token", await token.getAddress()],
    // The local network's DAO mints its supply: TaikoToken lets only these names mint and burn.
    ["dao", options.dao ?? owner],
  ];
  for (const [name, address] of names) {
    await mined(await addressManager.setAddress(network.chainId, encodeBytes32String(name), address));
  }

  const deployment: TaikoDeploymentFile = {
    chainId: Number(network.chainId),
    contracts: {
      TaikoToken: { address: (await token.getAddress()) as `0x${string}`, startBlock: tokenBlock },
      BlockProofVerifier: { address: (await verifier.getAddress()) as `0x${string}`, startBlock: verifierBlock },
      ProverPool: { address: (await proverPool.getAddress()) as `0x${string}`, startBlock: poolBlock },
      TaikoL1: { address: (await taikoL1.getAddress()) as `0x${string}`, startBlock: taikoBlock },
    },
  };
  return { addressManager, token, proverPool, taikoL1, verifier, deployment };
}

/**
 * Deploys ZKPool on a Taiko deployment, owned by `owner`, and adds it to the deployment file's view. The pool
 * starts with no roles but its owner's: the caller sets relayers and pausers, funds and stakes it.
 */
export async function deployZKPool(
  owner: Signer,
  taiko: Pick<TaikoDeployment, "token" | "taikoL1" | "proverPool" | "deployment">,
  params: PoolParams,
  options: { treasury?: string } = {},
): Promise<{ pool: ZKPool; deployment: Deployment }> {
  const ownerAddress = await owner.getAddress();
  const pool = await new ZKPool__factory(owner).deploy(
    ownerAddress,
    await taiko.token.getAddress(),
    await taiko.taikoL1.getAddress(),
    await taiko.proverPool.getAddress(),
    options.treasury ?? ownerAddress,
    params.epochLength,
    params.feeChangeDelay,
  );
  const startBlock = await mined(pool.deploymentTransaction());
  await mined(await pool.setCapacityBounds(params.minCapacity, params.maxCapacity));
  const deployment: Deployment = {
    ...taiko.deployment,
    contracts: {
      ...taiko.deployment.contracts,
      ZKPool: { address: (await pool.getAddress()) as `0x${string}`, startBlock },
    },
  };
  return { pool, deployment };
}

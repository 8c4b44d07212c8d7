import { type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { TTKO, agentConsentTypedData, formatTTKO, shortAddress, taikoTokenAbi, zkPoolAbi } from "@zkpool/common";
import { type Deployment, type Logger } from "@zkpool/common/node";
import { ACCOUNT_INDEX, localAccount, localPrivateKey } from "./accounts";
import { mined, publicClientFor, walletClientFor } from "./chain";

/** One prover's machine: the access key its prover authorized, and the label it gave it. */
export interface PoolMachine {
  label: string;
  prover: { name: string; address: Address };
  /** The access key's address (public); the key itself goes to the agent only. */
  agent: Address;
  agentKey: Hex;
}

export interface LocalPool {
  pool: Address;
  relayer: { address: Address; key: Hex };
  machines: PoolMachine[];
}

export interface PoolSetupOptions {
  rpcUrl: string;
  deployment: Deployment;
  /** TTKOe (whole tokens) the operator stakes for the pool in ProverPool. */
  stake: number;
  rewardPerGas: number;
  /** How many provers join, one machine each. */
  provers: number;
  log: Logger;
}

/** The capacity the pool stakes with; the relayer then follows what its connected machines can prove. */
const INITIAL_CAPACITY = 16;

/**
 * What the people around ZKPool do before it runs: the operator funds the pool's stake and stakes it in
 * ProverPool (so it competes with the solo provers for blocks) and gives the relayer role to the relayer's
 * key; each prover authorizes one access key for its machine, labelled rig-1, rig-2… (the dApp's job).
 */
export async function setUpLocalPool(o: PoolSetupOptions): Promise<LocalPool> {
  const { log } = o;
  const client = publicClientFor(o.rpcUrl);
  const pool = o.deployment.contracts.ZKPool.address;
  const token = o.deployment.contracts.TaikoToken.address;
  const deployer = walletClientFor(o.rpcUrl, localAccount(ACCOUNT_INDEX.deployer));
  const operator = walletClientFor(o.rpcUrl, localAccount(ACCOUNT_INDEX.operator));

  const stake = BigInt(o.stake) * TTKO;
  await mined(
    client,
    deployer.writeContract({
      address: token,
      abi: taikoTokenAbi,
      functionName: "mint",
      args: [operator.account.address, stake],
    }),
  );
  await mined(
    client,
    operator.writeContract({ address: token, abi: taikoTokenAbi, functionName: "approve", args: [pool, stake] }),
  );
  await mined(
    client,
    operator.writeContract({ address: pool, abi: zkPoolAbi, functionName: "fundStake", args: [stake] }),
  );
  await mined(
    client,
    operator.writeContract({
      address: pool,
      abi: zkPoolAbi,
      functionName: "stake",
      args: [stake, o.rewardPerGas, INITIAL_CAPACITY],
    }),
  );
  log.info(
    `the operator funded ZKPool with ${formatTTKO(stake)} and staked it in ProverPool asking ${o.rewardPerGas} per gas`,
  );

  const relayer = localAccount(ACCOUNT_INDEX.relayer);
  await mined(
    client,
    operator.writeContract({ address: pool, abi: zkPoolAbi, functionName: "setRelayer", args: [relayer.address] }),
  );
  log.info(`the operator gave the relayer role to ${shortAddress(relayer.address)}`);

  const machines: PoolMachine[] = [];
  for (let i = 0; i < o.provers; i++) {
    const wallet = walletClientFor(o.rpcUrl, localAccount(ACCOUNT_INDEX.firstPoolProver + i));
    const prover = { name: `prover-${i + 1}`, address: wallet.account.address };
    const label = `rig-${i + 1}`;
    // A fresh access key, as the dApp makes one: it never leaves this process but to its agent.
    const agentKey = generatePrivateKey();
    const agentAccount = privateKeyToAccount(agentKey);
    const agent = agentAccount.address;
    // The key consents to prove for this prover (signed where the key is, as the dApp does in the browser).
    const consent = await agentAccount.signTypedData(agentConsentTypedData(o.deployment.chainId, pool, prover.address));
    await mined(
      client,
      wallet.writeContract({
        address: pool,
        abi: zkPoolAbi,
        functionName: "authorizeAgent",
        args: [agent, label, consent],
      }),
    );
    log.info(
      `${prover.name} (${shortAddress(prover.address)}) authorized an access key for its machine ${label} (${shortAddress(agent)})`,
    );
    machines.push({ label, prover, agent, agentKey });
  }
  return { pool, relayer: { address: relayer.address, key: localPrivateKey(ACCOUNT_INDEX.relayer) }, machines };
}

/**
 * An outsider who reads the mempool and races the pool's proofs, as its own process (the front-running
 * end-to-end test starts it): it polls the pending block, and for every ZKPool.proveBlock it did not send
 * itself it answers at once with twice the transaction's fees, so that its own transaction mines first:
 *
 * - "copy" (even block ids): the same input straight to TaikoL1.proveBlock, to take the proof for itself;
 * - "made-up parent" (odd block ids): a proof of the block from another parent hash, prover = the pool, in the
 *   name of another member's machine (the local toy circuit proves any instance), through ZKPool.proveBlock so
 *   that the pool records it for that machine. No copy follows it: a copy landing after another fork choice of
 *   the block is the one combination the pool refuses (ForkChoiceNotIdentifiable), which a sound verifier rules
 *   out, for it needs this made-up parent's proof.
 *
 * One JSON line per answered transaction: `{ msg: "front-ran", kind, blockId, poolTx, sent }`, logged once its
 * own transaction is in the node's mempool.
 *
 * Settings: RPC_URL, OUTSIDER_KEY, ZKPOOL and TAIKO_L1 (addresses), POLL_MS (default 50).
 */
import {
  createPublicClient,
  createWalletClient,
  decodeFunctionData,
  http,
  keccak256,
  toHex,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import {
  LOCAL_INSTANCE_CONTEXT,
  agentGraffiti,
  decodeEvidence,
  encodeEvidence,
  graffitiAgent,
  instanceHash,
  proveInstance,
  shutdownProver,
  sleep,
  taikoL1Abi,
  zkPoolAbi,
  type BlockEvidence,
} from "@zkpool/common";
import { createLogger } from "@zkpool/common/node";

/** Gas for the outsider's transactions: given, not estimated (an estimate on the pending state would see the pool's). */
const GAS = 3_000_000n;

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the outsider needs RPC_URL, OUTSIDER_KEY, ZKPOOL and TAIKO_L1`);
  return value;
}

const log = createLogger("outsider");
const rpcUrl = setting("RPC_URL");
const pool = setting("ZKPOOL") as Address;
const taikoL1 = setting("TAIKO_L1") as Address;
const account = privateKeyToAccount(setting("OUTSIDER_KEY") as Hex);
const pollMs = Number(process.env.POLL_MS ?? 50);
const chain = { ...hardhat, rpcUrls: { default: { http: [rpcUrl] } } };
const client = createPublicClient({ chain, transport: http(rpcUrl) });
const wallet = createWalletClient({ chain, transport: http(rpcUrl), account });

const stop = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => stop.abort());

/** The machines members authorized: a made-up proof is sent in the name of one that did not prove the block. */
async function members(): Promise<Address[]> {
  const events = await client.getContractEvents({
    address: pool,
    abi: zkPoolAbi,
    eventName: "AgentAuthorized",
    fromBlock: 0n,
  });
  return events.flatMap((e) => (e.args.agent ? [e.args.agent] : []));
}

async function answer(tx: { hash: Hex; input: Hex; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint }) {
  const call = decodeFunctionData({ abi: zkPoolAbi, data: tx.input });
  if (call.functionName !== "proveBlock") return;
  const [blockId, input] = call.args;
  const fees = {
    gas: GAS,
    maxFeePerGas: 2n * (tx.maxFeePerGas ?? 0n) + 1n,
    maxPriorityFeePerGas: 2n * (tx.maxPriorityFeePerGas ?? 0n) + 1n,
  };
  if (blockId % 2n === 0n) {
    const sent = await wallet.writeContract({
      address: taikoL1,
      abi: taikoL1Abi,
      functionName: "proveBlock",
      args: [blockId, input],
      ...fees,
    });
    log.info({ kind: "copy", blockId: blockId.toString(), poolTx: tx.hash, sent }, "front-ran");
    return;
  }
  const evidence = decodeEvidence(input);
  const prover = graffitiAgent(evidence.graffiti);
  const other = (await members()).find((agent) => agent.toLowerCase() !== prover?.toLowerCase());
  if (other === undefined) throw new Error("no other member's machine to name in a made-up proof");
  const madeUp: Omit<BlockEvidence, "proof"> = {
    ...evidence,
    parentHash: keccak256(toHex(`made-up parent of block ${blockId}`)),
    graffiti: agentGraffiti(other),
  };
  const { proof } = await proveInstance(instanceHash(madeUp, LOCAL_INSTANCE_CONTEXT));
  const sent = await wallet.writeContract({
    address: pool,
    abi: zkPoolAbi,
    functionName: "proveBlock",
    args: [blockId, encodeEvidence({ ...madeUp, proof })],
    ...fees,
  });
  log.info(
    {
      kind: "made-up parent",
      blockId: blockId.toString(),
      poolTx: tx.hash,
      sent,
      named: other,
      parentHash: madeUp.parentHash,
    },
    "front-ran",
  );
}

async function main(): Promise<void> {
  const answered = new Set<Hex>();
  log.info({ outsider: account.address }, "watching the mempool");
  while (!stop.signal.aborted) {
    const pending = await client.getBlock({ blockTag: "pending", includeTransactions: true });
    for (const tx of pending.transactions) {
      if (answered.has(tx.hash) || tx.to?.toLowerCase() !== pool.toLowerCase()) continue;
      if (tx.from.toLowerCase() === account.address.toLowerCase()) continue;
      answered.add(tx.hash);
      await answer(tx);
    }
    await sleep(pollMs, stop.signal).catch(() => undefined);
  }
  await shutdownProver();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log.error({ err: error }, "the outsider failed");
    process.exit(1);
  },
);

import { parseEventLogs, type Address, type Hex, type PublicClient, type TransactionReceipt } from "viem";
import { taikoL1Abi, zkPoolAbi } from "@zkpool/common";
import { type Logger } from "@zkpool/common/node";
import { CallRevertedError, type TxSender } from "./sender";
import type { Store } from "./store/types";

/** A fork choice ZKPool recorded a proof for, as ZKPool.confirm takes it. */
export interface ProofKey {
  blockId: bigint;
  parentHash: Hex;
  parentGasUsed: number;
}

/** The store's cursor: the chain block from which ProofRecorded logs still matter (see Confirmer). */
export const CONFIRM_CURSOR = "zkpool-confirm";
/** Largest block range per eth_getLogs. */
const MAX_RANGE = 2_000n;

export interface ConfirmerOptions {
  client: PublicClient;
  /** What the confirmer needs of the TxSender (the relayer's one: confirm takes its nonces with the others). */
  sender: Pick<TxSender, "send">;
  store: Pick<Store, "getCursor" | "setCursor">;
  pool: Address;
  /** The block ZKPool was deployed in: the first start reads the pool's ProofRecorded logs from there. */
  poolStartBlock: bigint;
  taikoL1: Address;
  /** Fork choices per confirm transaction, at most (CONFIRM_BATCH_SIZE). */
  batchSize: number;
  log: Logger;
}

/** A recorded proof waiting for Taiko to verify its block. */
interface Waiting {
  key: ProofKey;
  /** The chain block its ProofRecorded is in: the cursor never passes it while the key waits. */
  loggedIn: bigint;
}

const keyOf = (key: ProofKey) => `${key.blockId}/${key.parentHash.toLowerCase()}/${key.parentGasUsed}`;

/**
 * Turns recorded proofs into credits: ZKPool credits a proof's prover only through confirm, once Taiko has
 * verified the block. Every ProofRecorded of the pool counts, whoever sent its proveBlock (an outsider who
 * landed a copy of the relayer's transaction first records the member's proof all the same). A round reads the
 * new ProofRecorded logs, then TaikoL1's lastVerifiedBlockId, and confirms the keys of verified blocks in batches
 * of at most batchSize, one transaction at a time, through the relayer's TxSender. A key someone else confirmed
 * first (ProofNotRecorded) is done; a block Taiko has not verified after all (BlockNotVerified) waits for a later
 * round. The store keeps a cursor at the oldest waiting key's log, so a restart reads its keys again from the
 * chain; rounds never overlap, so no key is in two transactions at once.
 */
export class Confirmer {
  private readonly waiting = new Map<string, Waiting>();
  /** The next chain block to read ProofRecorded logs from. */
  private next: bigint | undefined;
  private round: Promise<void> | undefined;

  constructor(private readonly o: ConfirmerOptions) {
    if (!Number.isInteger(o.batchSize) || o.batchSize < 1) {
      throw new RangeError(`Confirmer: batchSize must be a whole number of fork choices, at least 1 (${o.batchSize})`);
    }
  }

  /** Where the last run left off (the store's cursor), or the pool's deployment block the first time. */
  async start(): Promise<void> {
    this.next = (await this.o.store.getCursor(CONFIRM_CURSOR)) ?? this.o.poolStartBlock;
  }

  /** Fork choices recorded and not confirmed yet, as far as the confirmer has read. */
  get pending(): number {
    return this.waiting.size;
  }

  /** One round (see the class); a call while a round runs waits for that round instead of starting another. */
  confirmVerified(): Promise<void> {
    this.round ??= this.runRound().finally(() => (this.round = undefined));
    return this.round;
  }

  private async runRound(): Promise<void> {
    if (this.next === undefined) throw new Error("Confirmer used before start()");
    const head = await this.o.client.getBlockNumber();
    await this.readRecorded(this.next, head);
    this.next = head + 1n;
    if (this.waiting.size > 0) {
      const lastVerified = await this.lastVerifiedBlockId();
      const ready = [...this.waiting.values()]
        .filter(({ key }) => key.blockId <= lastVerified)
        .sort((a, b) => Number(a.key.blockId - b.key.blockId) || Number(a.loggedIn - b.loggedIn));
      for (let i = 0; i < ready.length; i += this.o.batchSize) {
        await this.confirm(ready.slice(i, i + this.o.batchSize).map(({ key }) => key));
      }
    }
    let cursor = this.next;
    for (const { loggedIn } of this.waiting.values()) if (loggedIn < cursor) cursor = loggedIn;
    await this.o.store.setCursor(CONFIRM_CURSOR, cursor);
  }

  /** The pool's ProofRecorded logs of [from, to], whoever sent the proof, as keys waiting for confirmation. */
  private async readRecorded(from: bigint, to: bigint): Promise<void> {
    for (let start = from; start <= to; start += MAX_RANGE) {
      const end = start + MAX_RANGE - 1n < to ? start + MAX_RANGE - 1n : to;
      const logs = await this.o.client.getContractEvents({
        address: this.o.pool,
        abi: zkPoolAbi,
        eventName: "ProofRecorded",
        fromBlock: start,
        toBlock: end,
        strict: true,
      });
      for (const { args, blockNumber } of logs) {
        const key = { blockId: args.blockId, parentHash: args.parentHash, parentGasUsed: args.parentGasUsed };
        if (!this.waiting.has(keyOf(key))) this.waiting.set(keyOf(key), { key, loggedIn: blockNumber });
      }
    }
  }

  private async lastVerifiedBlockId(): Promise<bigint> {
    const state = await this.o.client.readContract({
      address: this.o.taikoL1,
      abi: taikoL1Abi,
      functionName: "getStateVariables",
    });
    return state.lastVerifiedBlockId;
  }

  /**
   * Confirms `keys` in one transaction. A revert that names one of them (ProofNotRecorded: done already;
   * BlockNotVerified: not yet) takes it, or its block's, out of the batch, and the rest is sent again; any other
   * revert or failure is thrown, the keys left waiting for the next round.
   */
  private async confirm(keys: ProofKey[]): Promise<void> {
    let batch = keys;
    while (batch.length > 0) {
      try {
        const receipt = await this.o.sender.send(
          { address: this.o.pool, abi: zkPoolAbi, functionName: "confirm", args: [batch] },
          { purpose: "confirm" },
        );
        for (const key of batch) this.waiting.delete(keyOf(key));
        this.logCredits(receipt, batch.length);
        return;
      } catch (error) {
        const left = error instanceof CallRevertedError ? this.without(batch, error) : undefined;
        if (!left) throw error;
        batch = left;
      }
    }
  }

  /** The batch without the key or block the revert names, or undefined when it names none of them. */
  private without(batch: ProofKey[], error: CallRevertedError): ProofKey[] | undefined {
    const [blockId, parentHash, parentGasUsed] = error.errorArgs;
    if (error.errorName === "ProofNotRecorded") {
      const done = keyOf({ blockId, parentHash, parentGasUsed } as ProofKey);
      if (!batch.some((key) => keyOf(key) === done)) return undefined;
      this.waiting.delete(done);
      this.o.log.info(
        { blockId: String(blockId), parentHash, parentGasUsed },
        "fork choice confirmed already (by someone else) or never recorded: nothing to confirm",
      );
      return batch.filter((key) => keyOf(key) !== done);
    }
    if (error.errorName === "BlockNotVerified") {
      if (!batch.some((key) => key.blockId === blockId)) return undefined;
      this.o.log.info({ blockId: String(blockId) }, "Taiko has not verified this block yet: confirming it later");
      return batch.filter((key) => key.blockId !== blockId);
    }
    return undefined;
  }

  /** What the confirm transaction credited (BlockCredited) and dropped (ProofNotCredited), one line each. */
  private logCredits(receipt: TransactionReceipt, confirmed: number): void {
    const events = parseEventLogs({
      abi: zkPoolAbi,
      logs: receipt.logs.filter((l) => l.address.toLowerCase() === this.o.pool.toLowerCase()),
    });
    for (const event of events) {
      if (event.eventName === "BlockCredited") {
        const { blockId, prover, agent, epoch, reward } = event.args;
        this.o.log.info(
          { blockId: blockId.toString(), prover, agent, epoch: epoch.toString(), reward: reward.toString() },
          "block verified by Taiko: its reward credited to the prover of the agent that proved it",
        );
      } else if (event.eventName === "ProofNotCredited") {
        const { blockId, prover, agent, forkChoiceId, verifiedForkChoiceId } = event.args;
        this.o.log.info(
          { blockId: blockId.toString(), prover, agent, forkChoiceId, verifiedForkChoiceId },
          "recorded proof earns nothing: Taiko verified the block with another fork choice, or paid nothing for it",
        );
      }
    }
    this.o.log.debug({ confirmed, tx: receipt.transactionHash }, "confirmed recorded proofs");
  }
}

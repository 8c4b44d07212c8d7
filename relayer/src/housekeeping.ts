import { parseEventLogs, type Address, type PublicClient, type TransactionReceipt } from "viem";
import { taikoL1Abi, zkPoolAbi } from "@zkpool/common";
import { type Logger } from "@zkpool/common/node";
import { CallRevertedError, TransactionRevertedError, type ContractCall, type TxSender } from "./sender";
import type { NetworkAdapter } from "./network";

export interface MachineSpeed {
  msPerProof: number;
  concurrency: number;
}

export interface HousekeepingOptions {
  client: PublicClient;
  sender: Pick<TxSender, "send">;
  adapter: NetworkAdapter;
  pool: Address;
  taikoL1: Address;
  /** The connected agents' speeds: milliseconds per proof and proofs at once, each. */
  connectedMachines: () => Iterable<MachineSpeed>;
  log: Logger;
}

/**
 * The pool's permissionless chores, and its capacity: harvest Taiko's payouts into the pool, settle every ended
 * epoch in order, and keep the pool's ProverPool capacity in line with what the connected machines can prove
 * within a proof window. (Crediting each verified block is the confirmer's.) settle harvests by itself when an
 * epoch's credits have not arrived, so the harvest here is not needed for a settlement: it keeps the pool's
 * ledger (totals) up to date with what Taiko paid between settlements, one transaction per round at most.
 */
export class Housekeeping {
  constructor(private readonly o: HousekeepingOptions) {}

  async harvestAndSettle(): Promise<void> {
    const { client, pool, taikoL1, log } = this.o;
    const balance = await client.readContract({
      address: taikoL1,
      abi: taikoL1Abi,
      functionName: "getTaikoTokenBalance",
      args: [pool],
    });
    if (balance > 0n) {
      const harvested = await this.mined(
        { address: pool, abi: zkPoolAbi, functionName: "harvest", args: [] },
        { purpose: "harvest" },
      );
      if (harvested) log.info({ amount: balance.toString() }, "harvested the pool's Taiko rewards");
    }
    const [current, next] = await Promise.all([
      client.readContract({ address: pool, abi: zkPoolAbi, functionName: "currentEpoch" }),
      client.readContract({ address: pool, abi: zkPoolAbi, functionName: "nextEpochToSettle" }),
    ]);
    for (let epoch = next; epoch < current; epoch++) {
      const receipt = await this.mined(
        { address: pool, abi: zkPoolAbi, functionName: "settle", args: [epoch] },
        { purpose: "settle", epoch: epoch.toString() },
      );
      // Epochs settle in order: the next round starts again from the pool's next epoch to settle.
      if (!receipt) return;
      const [settled] = parseEventLogs({ abi: zkPoolAbi, eventName: "EpochSettled", logs: receipt.logs });
      const split = settled
        ? Object.fromEntries(Object.entries(settled.args).map(([name, value]) => [name, value.toString()]))
        : { epoch: epoch.toString() };
      log.info(split, "settled an ended epoch");
    }
  }

  /**
   * Sends a chore's transaction; one that mined and reverted (gas spent: another transaction got there first,
   * or the pool refuses it) is logged as a failure with its reason, and comes back undefined. Any other error
   * (nothing sent, or not mined) is thrown to the housekeeping loop, which retries.
   */
  private async mined(
    call: ContractCall,
    at: { purpose: string; epoch?: string },
  ): Promise<TransactionReceipt | undefined> {
    try {
      return await this.o.sender.send(call, { purpose: at.purpose });
    } catch (error) {
      if (!(error instanceof TransactionRevertedError)) throw error;
      this.o.log.error(
        { ...at, tx: error.receipt.transactionHash, reason: error.errorName ?? "unknown" },
        `${at.purpose} transaction reverted on-chain`,
      );
      return undefined;
    }
  }

  /**
   * The capacity to ask ProverPool for: blocks in flight the machines can prove within one proof window,
   * at half their measured speed for safety, within the owner's bounds (the minimum with no machine).
   */
  async syncCapacity(): Promise<void> {
    const { client, sender, pool, log } = this.o;
    const [staker, prover] = (await client.readContract({
      address: pool,
      abi: zkPoolAbi,
      functionName: "stakeInfo",
    })) as readonly [{ maxCapacity: number }, { stakedAmount: bigint }, bigint];
    if (prover.stakedAmount === 0n) return;
    const [minCapacity, maxCapacity] = await client.readContract({
      address: pool,
      abi: zkPoolAbi,
      functionName: "capacityBounds",
    });
    const windowMs = (await this.o.adapter.proofWindowSeconds()) * 1000;
    // Each machine at its own speed: sharing out the machines' average time per proof would count a fast
    // machine and a slow one as two middling ones, and ask for less than they can prove.
    let proofsPerWindow = 0;
    for (const m of this.o.connectedMachines()) proofsPerWindow += (m.concurrency * windowMs) / m.msPerProof;
    const wanted = Math.floor(proofsPerWindow / 2);
    const target = Math.min(maxCapacity, Math.max(minCapacity, wanted));
    if (target === staker.maxCapacity) return;
    try {
      await sender.send(
        { address: pool, abi: zkPoolAbi, functionName: "adjustCapacity", args: [target] },
        { purpose: "capacity" },
      );
      log.info({ from: staker.maxCapacity, to: target }, "pool capacity follows the connected machines");
    } catch (error) {
      const reason = error instanceof CallRevertedError ? error.errorName : (error as Error).message;
      log.warn({ reason, target }, "could not adjust the pool's capacity yet; will retry");
    }
  }
}

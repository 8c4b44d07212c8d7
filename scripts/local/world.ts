import { randomBytes, randomInt } from "node:crypto";
import { toHex, zeroAddress, type Address, type HDAccount, type Hex, type PublicClient } from "viem";
import {
  L2Chain,
  TTKO,
  encodeEvidence,
  blockReward,
  formatTTKO,
  LOCAL_INSTANCE_CONTEXT,
  instanceHash,
  metaHashOf,
  proposeInputFor,
  PROPOSE_BLOCK_GAS,
  proveInstance,
  proverPoolAbi,
  shortAddress,
  taikoL1Abi,
  taikoTokenAbi,
  type ProposedBlock,
} from "@zkpool/common";
import { type Deployment, type Logger } from "@zkpool/common/node";
import { ACCOUNT_INDEX, localAccount } from "./accounts";
import {
  EventFollower,
  mined,
  publicClientFor,
  revertName,
  walletClientFor,
  type LocalWallet,
  type TaikoLog,
} from "./chain";

export interface WorldOptions {
  rpcUrl: string;
  deployment: Deployment;
  blockIntervalMs: number;
  soloProvers: number;
  lateShare: number;
  difficulty: number;
  stopAfterVerified: number;
  /** Names to tell other actors by (the pool: "ZKPool"), by address. */
  names?: Record<Address, string>;
  log: Logger;
  signal: AbortSignal;
}

/** A staked solo prover of the local world, with its ask and capacity. */
interface SoloProver {
  name: string;
  account: HDAccount;
  wallet: LocalWallet;
  stake: bigint;
  rewardPerGas: number;
  capacity: number;
}

interface TrackedBlock {
  block: ProposedBlock;
  proposedAt: bigint;
  proofWindow: bigint;
  proven: boolean;
  /** Someone is proving it now. */
  claimed: boolean;
  /** Its assigned prover chose to let the window pass. */
  sittingOut: boolean;
}

/** Solo provers' stakes, asks and capacities: unequal, so assignment weights differ. */
const SOLO_PROFILES = [
  { stake: 200_000n, rewardPerGas: 900, capacity: 8 },
  { stake: 120_000n, rewardPerGas: 1_000, capacity: 6 },
  { stake: 80_000n, rewardPerGas: 1_100, capacity: 5 },
  { stake: 50_000n, rewardPerGas: 1_200, capacity: 5 },
];

/**
 * Whether a solo prover lets block `id` go past its window: a fixed, evenly spread share of block ids (the
 * fractional parts of id × the golden ratio), so a run is reproducible.
 */
export function sitsOut(id: bigint, share: number): boolean {
  const golden = 0.6180339887498949;
  return (Number(id) * golden) % 1 < share;
}

/**
 * The Taiko A4 world on the local chain: a proposer proposing blocks with varied gas, competing solo provers
 * staked in ProverPool proving their assigned blocks with real proofs (a share of them late, so slashing
 * happens, and rescued by another prover for the 1.5× reward), a bot verifying blocks, and a narrator that
 * tells what happens.
 */
export class TaikoWorld {
  private readonly client: PublicClient;
  private readonly taikoL1: Address;
  private readonly proverPool: Address;
  private readonly l2 = new L2Chain();
  private readonly blocks = new Map<bigint, TrackedBlock>();
  private readonly provers: SoloProver[] = [];
  private readonly names = new Map<string, string>();
  private readonly proving: TrackedBlock[] = [];
  /** Each staker's last stake and ask, to tell a capacity change from a new stake. */
  private readonly stakes = new Map<string, { amount: bigint; rewardPerGas: number }>();
  private verified = 0;
  private provingBusy = false;
  private readonly done: Promise<void>;
  private finish!: () => void;

  constructor(private readonly o: WorldOptions) {
    this.client = publicClientFor(o.rpcUrl);
    this.taikoL1 = o.deployment.contracts.TaikoL1.address;
    this.proverPool = o.deployment.contracts.ProverPool.address;
    this.done = new Promise((resolve) => (this.finish = resolve));
    for (const [address, name] of Object.entries(o.names ?? {})) this.names.set(address.toLowerCase(), name);
  }

  /** Funds and stakes everyone, then runs until the signal aborts or enough blocks are verified. */
  async run(): Promise<void> {
    const { log } = this.o;
    const deployer = walletClientFor(this.o.rpcUrl, localAccount(ACCOUNT_INDEX.deployer));
    const proposer = walletClientFor(this.o.rpcUrl, localAccount(ACCOUNT_INDEX.proposer));
    this.names.set(proposer.account.address.toLowerCase(), "proposer");

    const token = this.o.deployment.contracts.TaikoToken.address;
    const mint = (to: Address, amount: bigint) =>
      this.mined(
        deployer.writeContract({ address: token, abi: taikoTokenAbi, functionName: "mint", args: [to, amount] }),
      );
    await mint(proposer.account.address, 10_000_000n * TTKO);
    await this.mined(
      proposer.writeContract({
        address: this.taikoL1,
        abi: taikoL1Abi,
        functionName: "depositTaikoToken",
        args: [10_000_000n * TTKO],
      }),
    );

    for (let i = 0; i < this.o.soloProvers; i++) {
      const profile = SOLO_PROFILES[i % SOLO_PROFILES.length]!;
      const account = localAccount(ACCOUNT_INDEX.firstSoloProver + i);
      const prover: SoloProver = {
        name: `solo-${i + 1}`,
        account,
        wallet: walletClientFor(this.o.rpcUrl, account),
        stake: (profile.stake + BigInt(i) * 1_000n) * TTKO,
        rewardPerGas: profile.rewardPerGas,
        capacity: profile.capacity,
      };
      this.provers.push(prover);
      this.names.set(account.address.toLowerCase(), prover.name);
      await mint(account.address, prover.stake);
      await this.mined(
        prover.wallet.writeContract({
          address: this.proverPool,
          abi: proverPoolAbi,
          functionName: "stake",
          args: [prover.stake, prover.rewardPerGas, prover.capacity],
        }),
      );
    }

    const fromBlock = BigInt(this.o.deployment.contracts.TaikoL1.startBlock);
    const follower = new EventFollower(this.client, [this.taikoL1, this.proverPool], fromBlock);
    log.info(
      { provers: this.provers.length, blockIntervalMs: this.o.blockIntervalMs, lateShare: this.o.lateShare },
      "the Taiko A4 world is running: proposing, proving and verifying",
    );

    const loops = [
      this.every(this.o.blockIntervalMs, () => this.propose(proposer)),
      this.every(500, async () => {
        for (const event of await follower.poll()) this.apply(event);
        this.rescue();
        void this.proveNext();
      }),
      this.every(5_000, () => this.verify()),
    ];
    await Promise.race([this.done, new Promise((resolve) => this.o.signal.addEventListener("abort", resolve))]);
    this.finish();
    await Promise.allSettled(loops);
  }

  private async every(ms: number, step: () => Promise<void>): Promise<void> {
    const stopped = () => this.o.signal.aborted || this.stopped;
    while (!stopped()) {
      try {
        await step();
      } catch (error) {
        this.o.log.warn({ err: error }, "a step of the local world failed; it will be tried again");
      }
      if (stopped()) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        void this.done.then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private stopped = false;

  private name(address: string): string {
    return this.names.get(address.toLowerCase()) ?? shortAddress(address);
  }

  private async propose(proposer: LocalWallet): Promise<void> {
    const gasLimit = 500_000 + randomInt(0, 11) * 500_000;
    const txList = toHex(randomBytes(64 + randomInt(0, 448)));
    const input = proposeInputFor(txList, proposer.account.address, gasLimit);
    await this.mined(
      proposer.writeContract({
        address: this.taikoL1,
        abi: taikoL1Abi,
        functionName: "proposeBlock",
        args: [input, txList],
        gas: PROPOSE_BLOCK_GAS,
      }),
    );
  }

  private async verify(): Promise<void> {
    const bot = walletClientFor(this.o.rpcUrl, localAccount(ACCOUNT_INDEX.verifierBot));
    await this.mined(
      bot.writeContract({ address: this.taikoL1, abi: taikoL1Abi, functionName: "verifyBlocks", args: [32n] }),
    );
  }

  /** Narrates an event and updates what the provers know. */
  private apply(event: TaikoLog): void {
    const { log } = this.o;
    switch (event.eventName) {
      case "BlockProposed": {
        const { blockId, assignedProver, rewardPerGas, feePerGas, meta } = event.args;
        const block: ProposedBlock = {
          id: blockId,
          assignedProver,
          rewardPerGas,
          feePerGas,
          meta,
          metaHash: metaHashOf(meta),
        };
        this.l2.add(block);
        const tracked: TrackedBlock = {
          block,
          proposedAt: meta.timestamp,
          proofWindow: 0n,
          proven: false,
          claimed: false,
          sittingOut: false,
        };
        this.blocks.set(blockId, tracked);
        void this.client
          .readContract({ address: this.taikoL1, abi: taikoL1Abi, functionName: "getBlock", args: [blockId] })
          .then(([, , , , , , , , , , proofWindow]) => {
            tracked.proofWindow = proofWindow;
            this.onProposed(tracked);
          });
        return;
      }
      case "BlockProven": {
        const tracked = this.blocks.get(event.args.blockId);
        if (tracked) tracked.proven = true;
        log.info(`block ${event.args.blockId} proven by ${this.name(event.args.prover)}`);
        return;
      }
      case "BlockVerified": {
        const { blockId, prover, blockFee, proofReward } = event.args;
        if (blockId === 0n) return;
        const tracked = this.blocks.get(blockId);
        this.blocks.delete(blockId);
        const executed = this.l2.get(blockId);
        const base = tracked && executed ? blockReward(executed.gasUsed, tracked.block.rewardPerGas) : proofReward;
        const bonus = proofReward > base ? " (1.5× for proving an open block or a late one)" : "";
        log.info(
          `block ${blockId} verified: ${this.name(prover)} earns ${formatTTKO(proofReward)}${bonus}; the proposer paid ${formatTTKO(blockFee)}`,
        );
        this.verified += 1;
        if (!this.stopped && this.o.stopAfterVerified > 0 && this.verified >= this.o.stopAfterVerified) {
          log.info(`${this.verified} blocks verified: stopping as asked (STOP_AFTER_VERIFIED)`);
          this.stopped = true;
          this.finish();
        }
        return;
      }
      case "Slashed":
        log.warn(
          `${this.name(event.args.addr)} slashed ${formatTTKO(event.args.amount)}: it let an assigned block's proof window pass`,
        );
        return;
      case "Staked": {
        const { addr, amount, rewardPerGas, currentCapacity } = event.args;
        const before = this.stakes.get(addr.toLowerCase());
        this.stakes.set(addr.toLowerCase(), { amount, rewardPerGas });
        if (before?.amount === amount && before.rewardPerGas === rewardPerGas) {
          log.info(`${this.name(addr)} changed its capacity: room for ${currentCapacity} more blocks`);
          return;
        }
        log.info(
          `${this.name(addr)} staked ${formatTTKO(amount)} asking ${rewardPerGas} per gas, capacity ${currentCapacity}`,
        );
        return;
      }
      case "Exited":
        // eldfell's ProverPool reports every exit with all the staker's exiting tokens; a stake change is an exit
        // too, followed at once by a Staked.
        log.info(`${this.name(event.args.addr)} left its slot: ${formatTTKO(event.args.amount)} now exiting`);
        return;
      case "Withdrawn":
        log.info(`${this.name(event.args.addr)} withdrew ${formatTTKO(event.args.amount)}`);
        return;
      default:
        return;
    }
  }

  private onProposed(tracked: TrackedBlock): void {
    const { block } = tracked;
    const { log } = this.o;
    if (block.assignedProver === zeroAddress) {
      log.info(`block ${block.id} proposed (gas limit ${block.meta.gasLimit}): open, anyone may prove it`);
      return;
    }
    const owner = this.provers.find((p) => p.account.address === block.assignedProver);
    tracked.sittingOut = owner !== undefined && sitsOut(block.id, this.o.lateShare);
    log.info(
      `block ${block.id} proposed (gas limit ${block.meta.gasLimit}): assigned to ${this.name(block.assignedProver)} at ${block.rewardPerGas} per gas, window ${tracked.proofWindow} s` +
        (tracked.sittingOut ? `; ${owner?.name} will let it go late` : ""),
    );
    if (owner && !tracked.sittingOut) this.enqueue(tracked);
  }

  /** Blocks whose window has closed unproven, and open blocks, go to another prover for the 1.5× reward. */
  private rescue(): void {
    const now = BigInt(Math.floor(Date.now() / 1000));
    for (const tracked of this.blocks.values()) {
      if (tracked.proven || tracked.claimed || tracked.proofWindow === 0n) continue;
      const open = tracked.block.assignedProver === zeroAddress;
      // One second of margin: the chain's clock and this one may disagree by a second.
      if (!open && now <= tracked.proposedAt + tracked.proofWindow + 1n) continue;
      if (!open && !tracked.sittingOut && this.proving.includes(tracked)) continue;
      this.enqueue(tracked);
    }
  }

  /** Rescues rotate over the solo provers by block id, skipping the assigned prover. */
  private rescuerFor(block: ProposedBlock): SoloProver {
    const n = this.provers.length;
    const first = Number(block.id % BigInt(n));
    const candidate = this.provers[first]!;
    return candidate.account.address === block.assignedProver && n > 1 ? this.provers[(first + 1) % n]! : candidate;
  }

  private enqueue(tracked: TrackedBlock): void {
    if (this.proving.includes(tracked)) return;
    this.proving.push(tracked);
    this.proving.sort((a, b) => Number(a.proposedAt + a.proofWindow - (b.proposedAt + b.proofWindow)));
  }

  /** One proof at a time on this machine, earliest deadline first. */
  private async proveNext(): Promise<void> {
    if (this.provingBusy) return;
    this.provingBusy = true;
    try {
      for (let next = this.proving.shift(); next; next = this.proving.shift()) {
        if (next.proven || next.claimed || this.stopped || this.o.signal.aborted) continue;
        try {
          await this.prove(next);
        } catch (error) {
          this.o.log.warn(
            { err: error, blockId: next.block.id.toString() },
            "a proof failed; the block will be tried again",
          );
        }
      }
    } finally {
      this.provingBusy = false;
    }
  }

  private async prove(tracked: TrackedBlock): Promise<void> {
    const { block } = tracked;
    const now = BigInt(Math.floor(Date.now() / 1000));
    const open = block.assignedProver === zeroAddress;
    const inWindow = !open && now <= tracked.proposedAt + tracked.proofWindow;
    const assigned = this.provers.find((p) => p.account.address === block.assignedProver);
    // Inside the window only the assigned prover may prove; after it, or for an open block, a rescuer does.
    let prover: SoloProver;
    if (inWindow) {
      if (!assigned || tracked.sittingOut) return;
      prover = assigned;
    } else {
      prover = this.rescuerFor(block);
    }
    tracked.claimed = true;
    const fields = this.l2.evidence(block.id, block.metaHash, prover.account.address);
    const { proof, millis } = await proveInstance(instanceHash(fields, LOCAL_INSTANCE_CONTEXT), {
      difficulty: this.o.difficulty,
    });
    const input = encodeEvidence({ ...fields, verifierId: 0, proof });
    try {
      await this.mined(
        prover.wallet.writeContract({
          address: this.taikoL1,
          abi: taikoL1Abi,
          functionName: "proveBlock",
          args: [block.id, input],
        }),
      );
      this.o.log.debug(`${prover.name} proved block ${block.id} in ${millis} ms`);
    } catch (error) {
      const reason = revertName(error);
      if (reason === "L1_ALREADY_PROVEN" || reason === "L1_BLOCK_ID") return;
      tracked.claimed = false;
      // The chain's clock had not passed the window yet: the rescue comes again on the next round.
      if (reason === "L1_NOT_PROVEABLE") return;
      throw error;
    }
  }

  private mined(sent: Promise<Hex>): Promise<void> {
    return mined(this.client, sent);
  }
}

/**
 * Simulated agents for the relayer benchmark: many ScriptedAgents (the test client, speaking the real agent
 * protocol over TCP) in this one process, their access keys authorized in ZKPool on the local chain.
 */
import { JsonRpcProvider } from "ethers";
import { encodeFunctionData, getAbiItem, toEventSelector, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { agentConsentTypedData, zkPoolAbi, type NotifyParams } from "@zkpool/common";
import { ScriptedAgent } from "../test/support/agentClient";
import type { LocalPool } from "../test/e2e/harness";

export interface AgentKey {
  key: Hex;
  address: Address;
}

export function newAgentKeys(count: number): AgentKey[] {
  return Array.from({ length: count }, () => {
    const key = generatePrivateKey();
    return { key, address: privateKeyToAccount(key).address };
  });
}

/** Hardhat's funded accounts the harness uses as provers: localAccount(20 + i), 28 of them. */
const PROVER_ACCOUNTS = { first: 20, count: 28 };
/** authorizeAgent needs about 50,000 gas; Hardhat packs its blocks by the gas limit given. */
const AUTHORIZE_GAS = 70_000n;
/**
 * Transactions per mined block. Hardhat's mempool grows slow and huge past a few hundred pending transactions
 * (1,000 at once took it past 10 GB), so they go a block at a time.
 */
const PER_BLOCK = 100;

/**
 * Authorizes every key in ZKPool for real, with `authorizeAgent` transactions from the harness' 28 prover
 * accounts in turn (Hardhat signs them: they are its unlocked accounts). One transaction per block would take
 * minutes for 10,000 keys, so automine is off while they are sent and each evm_mine packs PER_BLOCK of them
 * into one block. Checked afterwards: an AgentAuthorized event for every key. Returns how many blocks it took.
 */
export async function authorizeOnChain(local: LocalPool, keys: readonly AgentKey[]): Promise<number> {
  const provider = new JsonRpcProvider(local.rpcUrl, undefined, { batchMaxCount: PER_BLOCK, staticNetwork: true });
  const pool = local.deployment.contracts.ZKPool.address as Address;
  const accounts = (await provider.send("eth_accounts", [])) as Address[];
  const provers = accounts.slice(PROVER_ACCOUNTS.first, PROVER_ACCOUNTS.first + PROVER_ACCOUNTS.count);
  const from = await provider.getBlockNumber();
  await provider.send("evm_setAutomine", [false]);
  let blocks = 0;
  try {
    for (let start = 0; start < keys.length; start += PER_BLOCK) {
      await Promise.all(
        keys.slice(start, start + PER_BLOCK).map(async (agent, i) => {
          const prover = provers[(start + i) % provers.length]!;
          // Each key consents to its prover, as the dApp has a new key sign in the browser.
          const consent = await privateKeyToAccount(agent.key).signTypedData(
            agentConsentTypedData(local.deployment.chainId, pool, prover),
          );
          return provider.send("eth_sendTransaction", [
            {
              from: prover,
              to: pool,
              gas: `0x${AUTHORIZE_GAS.toString(16)}`,
              data: encodeFunctionData({
                abi: zkPoolAbi,
                functionName: "authorizeAgent",
                args: [agent.address, "bench", consent],
              }),
            },
          ]);
        }),
      );
      await provider.send("evm_mine", []);
      blocks += 1;
    }
  } finally {
    await provider.send("evm_setAutomine", [true]);
  }
  try {
    // AgentAuthorized(address indexed prover, address indexed agent, string label): the agent is topic 2.
    const logs = (await provider.send("eth_getLogs", [
      { address: pool, fromBlock: `0x${(from + 1).toString(16)}`, topics: [AGENT_AUTHORIZED] },
    ])) as Array<{ topics: Hex[] }>;
    const authorized = new Set(logs.map((log) => `0x${log.topics[2]!.slice(26)}`));
    const missing = keys.filter((k) => !authorized.has(k.address.toLowerCase())).length;
    if (missing > 0) throw new Error(`${missing} of ${keys.length} agent keys were not authorized on-chain`);
    return blocks;
  } finally {
    provider.destroy();
  }
}

const AGENT_AUTHORIZED = toEventSelector(getAbiItem({ abi: zkPoolAbi, name: "AgentAuthorized" }));

export interface Heartbeats {
  sent: number;
  errors: number;
  /** Each answer: when it came (performance.now()) and its round trip, ms. */
  answers: Array<{ at: number; rttMs: number }>;
}

export interface Notified {
  agent: Address;
  params: NotifyParams;
  /** Date.now() when the line was read off the socket. */
  receivedAt: number;
}

/** Many simulated agents, logged in, heartbeating and recording the jobs they are notified of. */
export class Fleet {
  readonly agents: ScriptedAgent[] = [];
  readonly notified: Notified[] = [];
  readonly heartbeats: Heartbeats = { sent: 0, errors: 0, answers: [] };
  /** Connections the relayer closed. */
  disconnected = 0;
  /** Heartbeats that were waiting for an answer when their connection closed. */
  lostWithConnection = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  private constructor(private readonly heartbeatMs: number) {}

  /**
   * Connects and logs in every key, `wave` logins at a time (so none outlives the gateway's login timeout
   * while the relayer checks thousands of signatures and asks the chain about each key). Each agent heartbeats
   * every heartbeatMs from its login on, as the agent daemon does, the first at a random offset so that the load
   * is even.
   */
  static async connect(
    port: number,
    keys: readonly AgentKey[],
    options: { wave: number; msPerProof: number; heartbeatMs: number },
  ): Promise<Fleet> {
    const fleet = new Fleet(options.heartbeatMs);
    for (let start = 0; start < keys.length; start += options.wave) {
      await Promise.all(
        keys.slice(start, start + options.wave).map(async ({ key }) => {
          const agent = await ScriptedAgent.connect(port, key);
          const reply = await agent.login({ msPerProof: options.msPerProof, concurrency: 1 });
          if (reply.error) throw new Error(`agent ${agent.account.address} could not log in: ${reply.error.message}`);
          fleet.adopt(agent);
        }),
      );
    }
    return fleet;
  }

  /** Heartbeats sent on open connections and not answered yet. */
  outstanding(): number {
    const h = this.heartbeats;
    return h.sent - h.errors - h.answers.length - this.lostWithConnection;
  }

  stopHeartbeats(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  close(): void {
    this.stopHeartbeats();
    for (const agent of this.agents) agent.close();
  }

  private adopt(agent: ScriptedAgent): void {
    this.agents.push(agent);
    let waiting = 0;
    let open = true;
    const beat = () => {
      if (!open || this.stopped) return;
      this.heartbeats.sent += 1;
      waiting += 1;
      const sentAt = performance.now();
      void agent.request("zkpool.heartbeat", { busy: 0 }).then((reply) => {
        const at = performance.now();
        waiting -= 1;
        if (reply.error) this.heartbeats.errors += 1;
        else this.heartbeats.answers.push({ at, rttMs: at - sentAt });
      });
    };
    const first = setTimeout(() => {
      this.timers.delete(first);
      beat();
      if (!this.stopped) this.timers.add(setInterval(beat, this.heartbeatMs));
    }, Math.random() * this.heartbeatMs);
    this.timers.add(first);
    void agent.closed.then(() => {
      open = false;
      if (this.stopped) return;
      this.disconnected += 1;
      this.lostWithConnection += waiting;
    });
    const watch = (after: number): void => {
      void agent.next("zkpool.notify", after).then((n) => {
        this.notified.push({ agent: agent.account.address, params: n.params as NotifyParams, receivedAt: Date.now() });
        watch(agent.notifications.indexOf(n) + 1);
      });
    };
    watch(0);
  }
}

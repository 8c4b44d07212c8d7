import type { Address, PublicClient } from "viem";
import { zeroAddress } from "viem";
import { zkPoolAbi } from "@zkpool/common";

/**
 * Who owns an agent key, read from ZKPool. Cached briefly; a revocation seen on-chain drops the entry (and the
 * relayer disconnects the agent), so a revoked key is refused at once.
 */
export class AgentDirectory {
  private readonly cache = new Map<string, { prover: Address | undefined; until: number }>();

  constructor(
    private readonly client: PublicClient,
    private readonly pool: Address,
    private readonly ttlMs = 30_000,
  ) {}

  async ownerOf(agent: Address): Promise<Address | undefined> {
    const key = agent.toLowerCase();
    const cached = this.cache.get(key);
    if (cached && cached.until > Date.now()) return cached.prover;
    const owner = await this.client.readContract({
      address: this.pool,
      abi: zkPoolAbi,
      functionName: "agentOwner",
      args: [agent],
    });
    const prover = owner === zeroAddress ? undefined : owner;
    this.cache.set(key, { prover, until: Date.now() + this.ttlMs });
    return prover;
  }

  forget(agent: Address): void {
    this.cache.delete(agent.toLowerCase());
  }
}

// proofDigest is what agents sign instead of proofTypedData's typed data: it must be the same EIP-712 digest
// for any pool, chain, block and evidence, or ZKPool and the relayer would reject every proof.

import { expect } from "chai";
import fc from "fast-check";
import { bytesToHex, hashTypedData, recoverTypedDataAddress, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { proofDigest, proofTypedData, zkPoolDomainSeparator } from "@zkpool/common";

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => bytesToHex(b) as Address);
const chainId = fc.integer({ min: 1, max: 2 ** 48 });
const blockId = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
const input = fc.uint8Array({ maxLength: 700 }).map((b) => bytesToHex(b));

describe("proofDigest", function () {
  it("is hashTypedData of proofTypedData, for any pool, chain, block and evidence", function () {
    fc.assert(
      fc.property(chainId, address, blockId, input, (chain, pool, block, evidence) => {
        expect(proofDigest(zkPoolDomainSeparator(chain, pool), block, evidence)).to.equal(
          hashTypedData(proofTypedData(chain, pool, block, evidence)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("signed with sign({ hash }), recovers to the key from proofTypedData's typed data", async function () {
    const account = privateKeyToAccount(generatePrivateKey());
    const pool: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const evidence: Hex = `0x${"ab".repeat(608)}`;
    const signature = await account.sign({ hash: proofDigest(zkPoolDomainSeparator(31337, pool), 19n, evidence) });
    expect(signature).to.equal(await account.signTypedData(proofTypedData(31337, pool, 19n, evidence)));
    expect(await recoverTypedDataAddress({ ...proofTypedData(31337, pool, 19n, evidence), signature })).to.equal(
      account.address,
    );
  });

  it("rejects a block id that is not a uint256", function () {
    const separator = zkPoolDomainSeparator(1, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    expect(() => proofDigest(separator, 1n << 256n, "0x")).to.throw();
    expect(() => proofDigest(separator, -1n, "0x")).to.throw();
  });
});

import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createPublicClient, http } from "viem";
import type { Logger } from "@zkpool/common/node";
import { repoRoot } from "@zkpool/common/node";

/** Preloaded into the processes `npm start` starts: each stops itself when its parent is gone (see leash.mjs). */
export const LEASH = pathToFileURL(path.join(repoRoot, "scripts", "local", "leash.mjs")).href;

export interface LocalNode {
  url: string;
  chainId: number;
  stop(): Promise<void>;
}

async function chainIdAt(url: string): Promise<number | undefined> {
  try {
    return await createPublicClient({ transport: http(url, { retryCount: 0, timeout: 1_000 }) }).getChainId();
  } catch {
    return undefined;
  }
}

/**
 * Starts `hardhat node` on host:port and resolves once it answers JSON-RPC. Refuses to start over a port
 * that already answers, so a stale node is never silently reused.
 */
export async function startHardhatNode(host: string, port: number, log: Logger): Promise<LocalNode> {
  const url = `http://${host}:${port}`;
  if ((await chainIdAt(url)) !== undefined) {
    throw new Error(`Something already answers JSON-RPC at ${url}. Stop it, or set RPC_PORT to a free port.`);
  }
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      LEASH,
      path.join(repoRoot, "node_modules", "hardhat", "internal", "cli", "bootstrap.js"),
      "node",
      "--hostname",
      host,
      "--port",
      String(port),
    ],
    {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
      // Its own process group: a Ctrl-C on the terminal reaches `npm start` only, which stops the node last,
      // once the services that use it have stopped.
      detached: true,
    },
  );
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.on("exit", killOnExit);
  let output = "";
  const remember = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on("data", remember);
  child.stderr?.on("data", remember);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      process.off("exit", killOnExit);
      resolve(code);
    }),
  );

  const deadline = Date.now() + 60_000;
  for (;;) {
    const chainId = await chainIdAt(url);
    if (chainId !== undefined) {
      log.info({ url, chainId }, "hardhat node is up");
      return {
        url,
        chainId,
        stop: async () => {
          if (child.exitCode === null) child.kill("SIGTERM");
          await exited;
        },
      };
    }
    if (child.exitCode !== null) throw new Error(`hardhat node exited with code ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`hardhat node did not answer at ${url} within 60 s:\n${output}`);
    }
    // Nothing to await: the node gives no readiness signal but its answering port.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

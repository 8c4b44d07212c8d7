import { expect } from "chai";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { accountFromKey, deriveDeviceId, parseConfig, type AgentConfig } from "../../src/config.js";
import { ConfigError } from "../../src/errors.js";

const KEY = generatePrivateKey();

function run(argv: string[], env: NodeJS.ProcessEnv = {}): AgentConfig {
  const command = parseConfig(argv, env);
  if (command.kind !== "run") throw new Error(`expected a run, got ${command.kind}`);
  return command.config;
}

function failure(argv: string[], env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseConfig(argv, env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message.toLowerCase()).not.to.include(KEY.slice(2).toLowerCase());
    return error as ConfigError;
  }
  throw new Error(`expected ${argv.join(" ")} to fail`);
}

describe("config", () => {
  it("has defaults for everything but the key and the relayer", () => {
    const config = run(["--key", KEY, "--relayer", "127.0.0.1:7700"]);
    expect(config.key).to.equal(KEY);
    expect(config.relayer).to.deep.equal({ host: "127.0.0.1", port: 7700 });
    expect(config.concurrency).to.equal(1);
    expect(config.backend).to.equal("builtin");
    expect(config.proverdUrl).to.equal(undefined);
    expect(config.deviceId).to.equal(undefined);
    expect(config.gracePeriodMs).to.equal(30_000);
    expect(config.name.length).to.be.greaterThan(0);
    expect(config.log).to.deep.equal({ level: "info", format: undefined });
  });

  it("reads the key from ZKPOOL_AGENT_KEY, and --key wins over it", () => {
    const other = generatePrivateKey();
    expect(run(["--relayer", "relayer.example:7700"], { ZKPOOL_AGENT_KEY: KEY }).key).to.equal(KEY);
    expect(run(["--relayer", "relayer.example:7700", "--key", other], { ZKPOOL_AGENT_KEY: KEY }).key).to.equal(other);
  });

  it("takes every option", () => {
    const config = run(
      [
        "--relayer=[::1]:7700",
        "--name",
        "rig 7",
        "--concurrency",
        "4",
        "--backend",
        "proverd",
        "--proverd-url",
        "http://10.0.0.2:9000",
        "--device-id",
        "gpu-box-1",
        "--grace-period",
        "2.5",
      ],
      { ZKPOOL_AGENT_KEY: KEY, LOG_LEVEL: "debug", LOG_FORMAT: "json" },
    );
    expect(config).to.deep.include({
      relayer: { host: "::1", port: 7700 },
      name: "rig 7",
      concurrency: 4,
      backend: "proverd",
      proverdUrl: "http://10.0.0.2:9000",
      deviceId: "gpu-box-1",
      gracePeriodMs: 2_500,
      log: { level: "debug", format: "json" },
    });
  });

  it("says what is wrong, in words", () => {
    const env = { ZKPOOL_AGENT_KEY: KEY };
    expect(failure(["--relayer", "nope"], env).message).to.equal('--relayer must be host:port, got "nope"');
    expect(failure(["--relayer", "host:99999"], env).message).to.equal('--relayer must be host:port, got "host:99999"');
    expect(failure(["--relayer", "h:1", "--concurrency", "0"], env).message).to.equal(
      '--concurrency must be a whole number 1–256, got "0"',
    );
    expect(failure(["--relayer", "h:1", "--backend", "gpu"], env).message).to.equal(
      '--backend must be builtin or proverd, got "gpu"',
    );
    expect(failure(["--relayer", "h:1", "--backend", "proverd"], env).message).to.equal(
      "--backend proverd needs --proverd-url http://host:port",
    );
    expect(failure(["--relayer", "h:1", "--proverd-url", "http://x:1"], env).message).to.equal(
      "--proverd-url only applies with --backend proverd",
    );
    expect(failure(["--relayer", "h:1", "--difficulty", "3"], env).message).to.equal("Unknown option '--difficulty'");
    expect(failure(["--relayer", "h:1"], { LOG_LEVEL: "loud", ...env }).message).to.include("LOG_LEVEL must be one of");
    expect(failure(["--relayer", "h:1"]).message).to.equal(
      "the access key is missing: pass --key 0x… or set ZKPOOL_AGENT_KEY",
    );
    expect(failure([]).message).to.include("--relayer is missing");
  });

  it("never repeats the key, even a malformed or misplaced one", () => {
    failure(["--relayer", "h:1", "--key", `${KEY}ff`]);
    failure(["--relayer", "h:1", "--key", KEY.slice(2)]);
    expect(failure([KEY, "--relayer", "h:1"]).message).to.include("[redacted]");
    expect(failure(["--relayer", "h:1", `--key=${KEY}`, "extra"]).message).to.include("Unexpected argument 'extra'");
    expect(() => accountFromKey(`0x${"00".repeat(32)}`)).to.throw(ConfigError, "not a valid private key");
  });

  it("derives a device id that is stable for a machine and a key", () => {
    const address = privateKeyToAccount(KEY).address;
    const other = privateKeyToAccount(generatePrivateKey()).address;
    expect(deriveDeviceId(address)).to.equal(deriveDeviceId(address.toLowerCase()));
    expect(deriveDeviceId(address)).to.match(/^dev-[0-9a-f]{24}$/);
    expect(deriveDeviceId(address)).not.to.equal(deriveDeviceId(other));
  });

  it("answers --help and --version", () => {
    expect(parseConfig(["--help"], {})).to.include({ kind: "help" });
    expect(parseConfig(["--version"], {})).to.deep.equal({ kind: "version", text: "zkpool-agent 0.1.0" });
  });
});

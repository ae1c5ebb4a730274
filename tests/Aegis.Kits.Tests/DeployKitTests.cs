using System.Text.Json;
using System.Text.RegularExpressions;
using Aegis.Kits.Tests.Support;

namespace Aegis.Kits.Tests;

/// <summary>
/// deploy/: linted and verified with the operators' own tools, and checked against what `aegis testnet` writes so
/// that hosts, ports and keys agree. No container engine runs here: images and pods are not started (deploy/README.md).
/// </summary>
public partial class DeployKitTests
{
    [ToolFact("yamllint")]
    public void Yamllint_accepts_every_yaml_file_of_the_kits() =>
        Tool.Run("yamllint", ["-c", Path.Combine(Repo.Deploy, ".yamllint.yml"), "-f", "parsable", Repo.Deploy]).AssertSuccess();

    [ToolFact("shellcheck")]
    public void Shellcheck_accepts_every_script_of_the_kits()
    {
        string[] scripts = Directory.GetFiles(Repo.Deploy, "*.sh", SearchOption.AllDirectories);
        Assert.True(scripts.Length >= 2, "deploy/k8s/generate.sh and deploy/systemd/aegis-backup.sh at least");
        Tool.Run("shellcheck", ["--severity=style", .. scripts]).AssertSuccess();
    }

    [ToolFact("systemd-analyze")]
    public void Systemd_verifies_the_units_and_rates_the_node_unit_well_hardened()
    {
        string dir = Repo.TempDir("systemd");
        try
        {
            // The units name installed paths; verify checks those executables exist, so point them at real ones.
            string bin = Directory.CreateDirectory(Path.Combine(dir, "bin")).FullName;
            File.CreateSymbolicLink(Path.Combine(bin, "aegis"), Repo.Aegis);
            File.Copy(Path.Combine(Repo.Deploy, "systemd", "aegis-backup.sh"), Path.Combine(bin, "aegis-backup.sh"));
            File.SetUnixFileMode(Path.Combine(bin, "aegis-backup.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string[] units = ["aegis.service", "aegis-backup.service", "aegis-backup.timer"];
            foreach (string unit in units)
            {
                string text = File.ReadAllText(Path.Combine(Repo.Deploy, "systemd", unit))
                    .Replace("/usr/local/bin/aegis", Path.Combine(bin, "aegis"), StringComparison.Ordinal)
                    .Replace("/usr/local/lib/aegis/aegis-backup.sh", Path.Combine(bin, "aegis-backup.sh"), StringComparison.Ordinal);
                File.WriteAllText(Path.Combine(dir, unit), text);
            }

            Tool.Result verify = Tool.Run("systemd-analyze", ["verify", .. units.Select(u => Path.Combine(dir, u))]).AssertSuccess();
            Assert.Equal("", verify.Stderr.Trim());

            // Exposure on systemd's 0-10 scale (lower is safer); the threshold is in tenths.
            Tool.Result security = Tool.Run("systemd-analyze", ["security", "--offline=yes", "--threshold=20", Path.Combine(dir, "aegis.service")]);
            Assert.True(security.ExitCode == 0, "aegis.service exposure is above 2.0:\n" + security.Stdout[^Math.Min(400, security.Stdout.Length)..]);
            Assert.Contains("Overall exposure level for aegis.service", security.Stdout, StringComparison.Ordinal);

            // The unit runs the contract's verbs on the contract's config.
            string node = File.ReadAllText(Path.Combine(Repo.Deploy, "systemd", "aegis.service"));
            Assert.Contains("ExecStart=/usr/local/bin/aegis run --config /etc/aegis/config.yaml", node, StringComparison.Ordinal);
            Assert.Contains("\"$aegis\" backup --config \"$config\" --out", File.ReadAllText(Path.Combine(Repo.Deploy, "systemd", "aegis-backup.sh")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [ToolFact("logrotate")]
    public void Logrotate_rotates_the_node_log_in_place()
    {
        string dir = Repo.TempDir("logrotate");
        try
        {
            string logs = Directory.CreateDirectory(Path.Combine(dir, "log")).FullName;
            File.WriteAllText(Path.Combine(logs, "aegis.log"), "line 1\nline 2\n");
            string user = Environment.UserName;
            string config = File.ReadAllText(Path.Combine(Repo.Deploy, "systemd", "aegis.logrotate"))
                .Replace("/var/log/aegis", logs, StringComparison.Ordinal)
                .Replace("su aegis aegis", $"su {user} {user}", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir, "aegis.conf"), config);
            File.SetUnixFileMode(Path.Combine(dir, "aegis.conf"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Tool.Result r = Tool.Run("logrotate", ["--verbose", "--force", "--state", Path.Combine(dir, "state"), Path.Combine(dir, "aegis.conf")]).AssertSuccess();
            Assert.DoesNotContain("error:", r.Stdout + r.Stderr, StringComparison.Ordinal);

            // copytruncate: the file the service appends to stays, empty; yesterday's lines are in aegis.log.1 (delaycompress).
            Assert.Equal("", File.ReadAllText(Path.Combine(logs, "aegis.log")));
            Assert.Equal("line 1\nline 2\n", File.ReadAllText(Path.Combine(logs, "aegis.log.1")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_backup_job_keeps_the_newest_backups_and_leaves_nothing_partial_when_a_backup_fails()
    {
        string dir = Repo.TempDir("backup");
        try
        {
            string backups = Directory.CreateDirectory(Path.Combine(dir, "backups")).FullName;
            for (int i = 0; i < 6; i++)
            {
                string old = Path.Combine(backups, $"aegis-2026010{i}T000000Z.backup");
                File.WriteAllText(old, "old");
                File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddDays(-10 + i));
            }

            // `aegis backup` is built by the backup work (issue 10); until then a stand-in writes the --out file.
            string stub = Path.Combine(dir, "aegis-stub");
            File.WriteAllText(stub, "#!/bin/sh\n[ \"$1\" = backup ] || exit 9\nwhile [ $# -gt 0 ]; do [ \"$1\" = --out ] && echo backup > \"$2\"; shift; done\n");
            File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var env = new Dictionary<string, string> { ["AEGIS"] = stub, ["AEGIS_BACKUP_DIR"] = backups, ["AEGIS_BACKUP_KEEP"] = "3", ["AEGIS_CONFIG"] = "/dev/null" };
            string script = Path.Combine(Repo.Deploy, "systemd", "aegis-backup.sh");
            Tool.Run("/bin/bash", [script], environment: env).AssertSuccess();
            string[] kept = [.. Directory.GetFiles(backups).Select(Path.GetFileName).Order()!];
            Assert.Equal(3, kept.Length);
            Assert.Equal(["aegis-20260104T000000Z.backup", "aegis-20260105T000000Z.backup"], kept[..2]);
            Assert.Equal("backup\n", File.ReadAllText(Path.Combine(backups, kept[2])));

            // With an aegis whose backup fails, the unit fails and no partial file is left.
            env["AEGIS"] = "/bin/false";
            Assert.NotEqual(0, Tool.Run("/bin/bash", [script], environment: env).ExitCode);
            Assert.Equal(3, Directory.GetFiles(backups).Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [ToolFact("docker-compose")]
    public void Compose_files_validate_and_agree_with_aegis_testnet_on_hosts_and_ports()
    {
        string compose = Path.Combine(Repo.Deploy, "compose");
        Tool.Run("docker-compose", ["-f", "docker-compose.yml", "config", "-q"], compose).AssertSuccess();
        Tool.Run("docker-compose", ["-f", "docker-compose.yml", "-f", "docker-compose.postgresql.yml", "config", "-q"], compose).AssertSuccess();

        var doc = Yaml.Load(File.ReadAllText(Path.Combine(compose, "docker-compose.yml")));
        string init = doc.At("services", "testnet", "command").List()[0].Str();
        Assert.Contains("aegis testnet --validators 4 --hosts 'node{i}' --base-port 26600", init, StringComparison.Ordinal);
        Assert.Contains("--dir /var/lib/aegis/testnet", init, StringComparison.Ordinal);

        foreach (string storage in new[] { "sqlite", "postgresql" })
        {
            string dir = Repo.TempDir("compose");
            try
            {
                string testnet = Path.Combine(dir, "testnet");
                Tool.Run(Repo.Aegis, ["testnet", "--validators", "4", "--hosts", "node{i}", "--base-port", "26600", "--storage", storage, "--dir", testnet]).AssertSuccess();
                JsonElement validators = JsonDocument.Parse(File.ReadAllText(Path.Combine(testnet, "genesis.json"))).RootElement.GetProperty("validators");
                List<string> targets = [.. Yaml.Load(Repo.Read("deploy", "prometheus", "prometheus.yml"))["scrape_configs"].List()[0].At("static_configs").List()[0].At("targets").List().Select(t => t.Str())];
                for (int i = 0; i < 4; i++)
                {
                    var service = doc.At("services", $"node{i}");
                    var config = Yaml.Load(File.ReadAllText(Path.Combine(testnet, $"node{i}", "config.yaml")));
                    string p2p = config.At("p2p", "port").Str(), api = config.At("api", "port").Str(), metrics = config.At("monitoring", "metrics_port").Str();
                    Assert.Equal($"{service.At("hostname").Str()}:{p2p}", validators[i].GetProperty("address").GetString());
                    Assert.Equal(["run", "--config", $"/var/lib/aegis/testnet/node{i}/config.yaml"], service.At("command").List().Select(c => c.Str()));

                    // Container side: the config's ports; host side: node i's ports of a local `aegis testnet`/`aegis up`.
                    string[] expected = [$"{26600 + (10 * i)}:{p2p}", $"{26601 + (10 * i)}:{api}", $"{26602 + (10 * i)}:{metrics}"];
                    Assert.Equal(expected, service.At("ports").List().Select(p => p.Str()));
                    Assert.Contains($"node{i}:{metrics}", targets);

                    // The generated config is valid in the environment compose gives the node.
                    var env = new Dictionary<string, string>();
                    if (storage == "postgresql")
                    {
                        var overlay = Yaml.Load(File.ReadAllText(Path.Combine(compose, "docker-compose.postgresql.yml")));
                        env["AEGIS_DATABASE_URL"] = overlay.At("services", $"node{i}", "environment", "AEGIS_DATABASE_URL").Str().Replace("${POSTGRES_PASSWORD:-aegis}", "aegis", StringComparison.Ordinal);
                        Assert.Equal($"aegis_node{i}", config.At("storage", "schema").Str());
                    }

                    Tool.Run(Repo.Aegis, ["config", "check", "--config", Path.Combine(testnet, $"node{i}", "config.yaml")], environment: env).AssertSuccess();
                }
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [ToolFact("kubectl", "/usr/bin/python3")]
    public void Kubernetes_manifests_build_pass_the_API_schema_and_agree_with_aegis_testnet()
    {
        string dir = Repo.TempDir("k8s");
        try
        {
            Repo.CopyDirectory(Path.Combine(Repo.Deploy, "k8s"), dir);
            Tool.Run("/bin/bash", [Path.Combine(dir, "generate.sh")], environment: new Dictionary<string, string> { ["AEGIS"] = Repo.Aegis }).AssertSuccess();
            string rendered = Tool.Run("kubectl", ["kustomize", dir]).AssertSuccess().Stdout;
            File.WriteAllText(Path.Combine(dir, "rendered.yaml"), rendered);
            string schema = Tool.Run("/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "Tools", "k8s_schema.py"), Path.Combine(dir, "rendered.yaml")]).AssertSuccess().Stdout;
            Assert.Contains("ok: 9 objects", schema, StringComparison.Ordinal);

            List<Dictionary<string, object?>> objects = [.. Yaml.LoadAll(rendered).Select(o => o.Map())];
            // Generated ConfigMaps and Secrets carry a content hash after their name (aegis-keys-9m88hd5mmc).
            Dictionary<string, object?> Find(string kind, string name) => objects.Single(o => o.At("kind").Str() == kind && Regex.IsMatch(o.At("metadata", "name").Str(), $"^{name}(-[a-z0-9]{{10}})?$"));
            var set = Find("StatefulSet", "aegis");
            var headless = Find("Service", "aegis");
            int replicas = int.Parse(set.At("spec", "replicas").Str(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal("None", headless.At("spec", "clusterIP").Str());
            Assert.Equal("true", headless.At("spec", "publishNotReadyAddresses").Str());
            Assert.Equal(headless.At("metadata", "name").Str(), set.At("spec", "serviceName").Str());
            Assert.Equal("Parallel", set.At("spec", "podManagementPolicy").Str());

            var container = set.At("spec", "template", "spec", "containers").List()[0];
            Dictionary<string, string> ports = container.At("ports").List().ToDictionary(p => p.At("name").Str(), p => p.At("containerPort").Str());
            Assert.Equal("/health", container.At("livenessProbe", "httpGet", "path").Str());
            Assert.Equal("/ready", container.At("readinessProbe", "httpGet", "path").Str());

            // The shared config listens where the pod's ports and probes point; the testnet's own configs agree.
            var config = Yaml.Load(Find("ConfigMap", "aegis-config").At("data", "config.yaml").Str());
            var testnetConfig = Yaml.Load(File.ReadAllText(Path.Combine(dir, "testnet", "node0", "config.yaml")));
            foreach ((string name, string[] key) in new[] { ("p2p", new[] { "p2p", "port" }), ("api", new[] { "api", "port" }), ("metrics", new[] { "monitoring", "metrics_port" }) })
            {
                Assert.Equal(testnetConfig.At(key).Str(), config.At(key).Str());
                Assert.Equal(config.At(key).Str(), ports[name]);
            }

            Assert.Equal("metrics", container.At("readinessProbe", "httpGet", "port").Str());

            // genesis.json names pod i by its DNS name under the headless service; the key Secret has one key per pod.
            JsonElement validators = JsonDocument.Parse(Find("ConfigMap", "aegis-genesis").At("data", "genesis.json").Str()).RootElement.GetProperty("validators");
            Assert.Equal(replicas, validators.GetArrayLength());
            var keys = Find("Secret", "aegis-keys").At("data").Map();
            for (int i = 0; i < replicas; i++)
            {
                Assert.Equal($"{set.At("metadata", "name").Str()}-{i}.{headless.At("metadata", "name").Str()}:{ports["p2p"]}", validators[i].GetProperty("address").GetString());
                Assert.True(keys.ContainsKey($"aegis-{i}.key"), $"no key for pod aegis-{i}");
            }

            // 4 validators tolerate one fault: the budget allows no more.
            Assert.Equal(((replicas - 1) / 3).ToString(System.Globalization.CultureInfo.InvariantCulture), Find("PodDisruptionBudget", "aegis").At("spec", "maxUnavailable").Str());

            // The config is valid where the pod runs it: its paths in a scratch root, the JWT secret from secrets.env.
            string root = Directory.CreateDirectory(Path.Combine(dir, "root")).FullName;
            string text = Find("ConfigMap", "aegis-config").At("data", "config.yaml").Str()
                .Replace("/etc/aegis", root + "/etc/aegis", StringComparison.Ordinal).Replace("/var/", root + "/var/", StringComparison.Ordinal);
            Directory.CreateDirectory(Path.Combine(root, "etc/aegis/genesis"));
            Directory.CreateDirectory(Path.Combine(root, "var/run/aegis"));
            File.Copy(Path.Combine(dir, "testnet", "genesis.json"), Path.Combine(root, "etc/aegis/genesis/genesis.json"));
            File.Copy(Path.Combine(dir, "testnet", "node2", "node.key"), Path.Combine(root, "var/run/aegis/node.key"));
            File.SetUnixFileMode(Path.Combine(root, "var/run/aegis/node.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(Path.Combine(root, "config.yaml"), text);
            string secret = File.ReadAllText(Path.Combine(dir, "secrets.env")).Trim();
            Assert.Matches("^AEGIS_JWT_SECRET=[0-9a-f]{64}$", secret);
            Tool.Run(Repo.Aegis, ["config", "check", "--config", Path.Combine(root, "config.yaml")], environment: new Dictionary<string, string> { ["AEGIS_JWT_SECRET"] = secret.Split('=')[1] }).AssertSuccess();

            // A second generate.sh refuses to replace the chain.
            Assert.NotEqual(0, Tool.Run("/bin/bash", [Path.Combine(dir, "generate.sh")], environment: new Dictionary<string, string> { ["AEGIS"] = Repo.Aegis }).ExitCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_image_builds_in_stages_runs_unprivileged_and_checks_health_on_the_testnet_ports()
    {
        string dockerfile = Repo.Read("deploy", "docker", "Dockerfile");
        string[] lines = [.. dockerfile.Split('\n').Where(l => !l.TrimStart().StartsWith('#'))];
        string[] stages = [.. lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal))];
        Assert.True(stages.Length >= 2 && stages.All(s => s.Contains(" AS ", StringComparison.Ordinal)), "a multi-stage build");
        string runtime = string.Join('\n', lines.SkipWhile(l => l != stages[^1]));
        Assert.Matches(@"\nUSER (?!0|root)\S+", runtime);
        Assert.Matches(@"HEALTHCHECK [^\n]*\\\n\s+CMD curl -fsS ""\$AEGIS_HEALTH_URL""", runtime);
        Assert.Contains("AEGIS_HEALTH_URL=http://127.0.0.1:26601/health", runtime, StringComparison.Ordinal);
        Assert.Contains("COPY --from=build /out /opt/aegis", runtime, StringComparison.Ordinal);

        // What the build stage copies and publishes exists.
        foreach (Match m in CopySources().Matches(string.Join('\n', lines.TakeWhile(l => l != stages[^1]))))
        {
            foreach (string source in m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
            {
                Assert.True(File.Exists(Repo.Path_(source)) || Directory.Exists(Repo.Path_(source)), $"COPY {source}: not in the repository");
            }
        }

        Assert.Matches(@"RUN dotnet publish src/Aegis\.Cli/Aegis\.Cli\.csproj -c Release -o /out", dockerfile);
        Assert.True(File.Exists(Repo.Path_("src", "Aegis.Cli", "Aegis.Cli.csproj")));

        // EXPOSE lists the ports every node of `aegis testnet --hosts` uses.
        string dir = Repo.TempDir("docker");
        try
        {
            Tool.Run(Repo.Aegis, ["testnet", "--validators", "4", "--hosts", "a{i}", "--dir", dir, "--force"]).AssertSuccess();
            var config = Yaml.Load(File.ReadAllText(Path.Combine(dir, "node1", "config.yaml")));
            string expose = lines.Single(l => l.StartsWith("EXPOSE ", StringComparison.Ordinal));
            Assert.Equal($"EXPOSE {config.At("p2p", "port").Str()} {config.At("api", "port").Str()} {config.At("monitoring", "metrics_port").Str()}", expose.Trim());
            Assert.Equal("0.0.0.0", config.At("api", "host").Str());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [GeneratedRegex(@"(?m)^COPY (?!--from)(.+)$")]
    private static partial Regex CopySources();
}

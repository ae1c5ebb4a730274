using System.Text.Json;
using Aegis.Mesh.Lab;

namespace Aegis.Mesh.Tests.Namespaces;

/// <summary>
/// The mesh for real: TUN devices, UDP, TLS on TCP 443, nftables, in namespaces this test creates (root). Every
/// scenario restores what it changed, except the last ones, which run last (kill, coordinator loss, revocation).
/// </summary>
[TestCaseOrderer("Aegis.Mesh.Tests.Namespaces.ByNameOrderer", "Aegis.Mesh.Tests")]
public sealed class MeshNamespaceTests(MeshLabFixture fixture) : IClassFixture<MeshLabFixture>
{
    private NamespaceLab Lab => fixture.Lab!;

    private LabNode N(string name) => fixture[name];

    private bool Skip() => fixture.SkipReason is not null && !NamespaceEnvironment.IsCi;

    [Fact]
    public void S1_ping_and_tcp_cross_the_mesh_including_to_a_node_behind_nat()
    {
        if (Skip())
        {
            return;
        }

        Assert.True(Ping(N("a"), N("b")), Log("a"));
        Assert.True(Ping(N("c"), N("a")), Log("c"));
        // d sits behind a masquerading NAT: a reaches it by hole punching through the coordinator.
        Assert.True(Ping(N("a"), N("d"), tries: 20), Log("a") + "\n" + Log("d"));
        Assert.True(Iperf(N("a"), N("b"), 5201, out string json), json);
        double bits = IperfReceivedBits(json);
        Assert.True(bits > 1_000_000, $"TCP over the mesh moved only {bits} bit/s");
        Assert.Equal("udp", Transport(N("a"), "b"));
    }

    [Fact]
    public void S2_the_firewall_refuses_a_port_to_a_peer_outside_the_group_and_allows_it_to_admins()
    {
        if (Skip())
        {
            return;
        }

        // A loaded machine can leave the tunnel re-dialling after the bulk transfer of S1: make sure it is up first.
        Assert.True(Ping(N("a"), N("b"), tries: 10), Log("a"));
        string allowed = "";
        Assert.True(Enumerable.Range(0, 3).Any(_ => Iperf(N("a"), N("b"), 5202, out allowed)), allowed + Drops("a") + Drops("b") + Log("b"));
        Assert.False(Iperf(N("c"), N("b"), 5202, out string refused), refused);
        Assert.True(Metric(N("b"), "aegisray_packets_dropped_total{reason=\"firewall\"}") > 0);
    }

    [Fact]
    public void S3_health_status_peers_and_metrics_answer_as_the_contract_says()
    {
        if (Skip())
        {
            return;
        }

        Assert.True(Lab.Exec(N("a").Namespace, $"curl -s -w \" %{{http_code}}\" http://{N("a").ApiAddress}/health", out string health), health);
        Assert.Contains("\"healthy\"", health, StringComparison.Ordinal);
        Assert.EndsWith(" 200", health.Trim(), StringComparison.Ordinal);
        Lab.Exec(N("a").Namespace, $"curl -s http://{N("a").ApiAddress}/status", out string status);
        using (JsonDocument s = JsonDocument.Parse(status))
        {
            Assert.Equal("a", s.RootElement.GetProperty("node_name").GetString());
            Assert.Equal("100.64.0.11", s.RootElement.GetProperty("mesh_address").GetString());
            Assert.True(s.RootElement.GetProperty("peers").GetInt32() >= 2);
        }

        Lab.Exec(N("a").Namespace, $"curl -s http://{N("a").ApiAddress}/peers", out string peers);
        using (JsonDocument p = JsonDocument.Parse(peers))
        {
            JsonElement b = p.RootElement.EnumerateArray().First(e => e.GetProperty("name").GetString() == "b");
            Assert.Equal("100.64.0.12", b.GetProperty("mesh_address").GetString());
            Assert.True(b.GetProperty("bytes_sent").GetInt64() > 0 && b.GetProperty("bytes_received").GetInt64() > 0);
            Assert.Contains(b.GetProperty("transport").GetString(), new[] { "udp", "tcp", "relay" });
        }

        Lab.Exec(N("a").Namespace, $"curl -s http://{N("a").ApiAddress}/metrics", out string metrics);
        foreach (string name in new[] { "aegisray_connected_peers", "aegisray_packets_dropped_total", "aegisray_auth_failures_total", "aegisray_bytes_sent_total", "aegisray_bytes_received_total", "aegisray_peer_latency_seconds_bucket", "aegisray_handshakes_total", "aegisray_tunnels{transport=\"udp\"}" })
        {
            Assert.Contains(name, metrics, StringComparison.Ordinal);
        }

        if (Aegis.Kits.Tests.Support.Tool.Find("promtool") is not null || NamespaceEnvironment.IsCi)
        {
            Aegis.Kits.Tests.Support.Tool.Result check = Aegis.Kits.Tests.Support.Tool.Run("promtool", ["check", "metrics"], stdin: metrics).AssertSuccess();
            Assert.Equal("", (check.Stdout + check.Stderr).Trim());
        }
    }

    [Fact]
    public void S4_with_all_udp_dropped_by_nftables_the_mesh_keeps_working_over_tls_on_443()
    {
        if (Skip())
        {
            return;
        }

        LabNode c = N("c");
        Lab.Nft(c.Namespace, "table inet noudp {\n chain in {\n  type filter hook input priority 0;\n  meta l4proto udp drop\n }\n chain out {\n  type filter hook output priority 0;\n  meta l4proto udp drop\n }\n}\n");
        try
        {
            Assert.True(Ping(c, N("b"), tries: 30), Log("c"));
            Assert.Equal("tcp", Transport(c, "b"));
            Assert.True(Iperf(c, N("b"), 5201, out string json), json);
        }
        finally
        {
            Lab.Exec(c.Namespace, "nft delete table inet noudp");
        }
    }

    [Fact]
    public void S4b_a_client_reaches_the_internet_through_the_exit_node_which_masquerades_it()
    {
        if (Skip())
        {
            return;
        }

        // e has no route of its own to 198.51.100.0/24 (only the /1 routes into its tunnel that use_exit set up), and the
        // internet host has none back to the mesh: an answer proves the packet went e → exit → NAT → internet and back.
        LabNode e = N("e");
        Assert.False(Lab.Exec(fixture.Internet, "ip route get 100.64.0.40", out _), "the internet namespace must not route to the mesh");
        Assert.True(WaitFor(() => Lab.Exec(e.Namespace, $"ping -c 1 -W 1 {NamespaceLab.InternetHost}", out _), 30), Log("e") + "\n" + Log("exit"));
        Assert.True(Iperf(e, fixture.Internet, NamespaceLab.InternetHost, 5203, out string json), json + Log("exit"));
        Assert.Equal("udp", Transport(e, "exit"));
        // A node that did not ask for the exit has no way there.
        Assert.False(Lab.Exec(N("a").Namespace, $"ping -c 1 -W 1 {NamespaceLab.InternetHost}", out _));
    }

    [Fact]
    public void S5_when_a_and_b_cannot_reach_each_other_traffic_goes_through_the_relay()
    {
        if (Skip())
        {
            return;
        }

        LabNode a = N("a"), b = N("b");
        // A working direct tunnel first (also when this test runs alone; a first tunnel may start on the relay, whose
        // answer can beat the coordinator's, and the probes then move it to UDP): what fails over is a path that was up.
        Assert.True(WaitFor(() => Ping(a, b, tries: 1) && Transport(a, "b") == "udp", 30), Log("a"));
        Lab.Nft(a.Namespace, $"table ip cut {{\n chain in {{\n  type filter hook input priority 0;\n  ip saddr {b.Underlay} drop\n }}\n chain out {{\n  type filter hook output priority 0;\n  ip daddr {b.Underlay} drop\n }}\n}}\n");
        try
        {
            // 60 s, not 40: at load ~19 one run took 41 s before a declared the cut UDP path silent (6 s of silence is
            // the rule; packets from b by other paths — relayed, probe answers — counted as that path's liveness and
            // could keep it "heard": the likely cause, fixed; one unloaded run after the fix: 7.0 s silence, 9.7 s to relay).
            // Ping first: it is what makes a use (and so probe) its path to b, also when no earlier test did.
            // A relayed echo crosses three user-space hops each way (a, relay, b): with the whole suite running on two
            // cores it may take over a second (a guess, not measured: CI failed twice with the relay tunnel up for 50 s
            // while the test passes alone), so each ping here waits 3 s.
            Assert.True(WaitFor(() => Ping(a, b, tries: 1, waitSeconds: 3) && Transport(a, "b") == "relay", 60), $"a's transport to b: {Transport(a, "b")}\n{Log("a")}\n{Log("b")}\n{Log("relay")}");
        }
        finally
        {
            Lab.Exec(a.Namespace, "nft delete table ip cut");
        }

        // Direct works again: the probes move the pair back off the relay.
        Assert.True(WaitFor(() => Transport(a, "b") == "udp", 30), Log("a"));
    }

    [Fact]
    public void S6_a_killed_and_restarted_node_is_reachable_again()
    {
        if (Skip())
        {
            return;
        }

        LabNode b = N("b");
        Lab.Kill(b);
        Assert.False(Ping(N("a"), b, tries: 1));
        Lab.Start(b);
        Assert.True(Ping(N("a"), b, tries: 30), Log("a") + "\n" + Log("b"));
    }

    [Fact]
    public void S7_losing_a_coordinator_keeps_the_mesh_running_and_the_other_one_serves_new_tunnels()
    {
        if (Skip())
        {
            return;
        }

        Lab.Kill(N("coord1"));
        Assert.True(Ping(N("a"), N("b"), tries: 5));
        // c and d have not talked before: finding each other needs a coordinator, and coord2 is there.
        Assert.True(Ping(N("c"), N("d"), tries: 30), Log("c"));
        Lab.Start(N("coord1"));
        Assert.True(WaitFor(() => Lab.Exec(N("coord1").Namespace, $"curl -sf http://{N("coord1").ApiAddress}/health", out _), 20));
    }

    [Fact]
    public void S8_a_revoked_certificate_is_refused()
    {
        if (Skip())
        {
            return;
        }

        LabNode c = N("c");
        Assert.True(Ping(N("a"), c, tries: 10));
        foreach (string coordinator in new[] { "coord1", "coord2" })
        {
            Assert.True(Lab.Exec(N(coordinator).Namespace, $"{LabExecutable.FromDll(NamespaceEnvironment.AegisDll()).Command($"mesh revoke --config {N(coordinator).ConfigPath} --cert {c.CertPath}")}", out string output), output);
        }

        Assert.True(WaitFor(() => !Ping(N("a"), c, tries: 1), 20), Log("a"));
        Thread.Sleep(3000);
        Assert.False(Ping(N("a"), c, tries: 3));
        Assert.False(Ping(c, N("b"), tries: 3));
    }

    private bool Ping(LabNode from, LabNode to, int tries = 5, int waitSeconds = 1)
    {
        for (int i = 0; i < tries; i++)
        {
            if (Lab.Exec(from.Namespace, $"ping -c 1 -W {waitSeconds} {to.MeshAddress}", out _))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// One iperf3 run; true when data crossed. iperf3 3.12 exits 0 with -J even when it could not connect, so the JSON's
    /// "error" decides, not the exit code.
    /// </summary>
    private bool Iperf(LabNode client, LabNode server, int port, out string output) =>
        Iperf(client, server.Namespace, server.MeshAddress!, port, out output);

    private bool Iperf(LabNode client, string serverNamespace, string serverAddress, int port, out string output)
    {
        string pidFile = Path.Combine(Lab.WorkDir, $"iperf-{serverNamespace}-{port}.pid");
        Lab.Exec(serverNamespace, $"iperf3 -s -1 -D -p {port} --pidfile {pidFile}", out _);
        // The daemon forks before it listens: wait for the socket rather than a fixed time.
        WaitFor(() => Lab.Exec(serverNamespace, $"sh -c \"ss -Hltn 'sport = :{port}' | grep -q LISTEN\"", out _), 10);
        bool ran = Lab.Exec(client.Namespace, $"iperf3 -c {serverAddress} -p {port} -t 1 -J --connect-timeout 3000", out output, 20_000);
        bool ok = ran && IperfReceivedBits(output) > 0;
        if (!ok)
        {
            // A refused client leaves the one-shot server waiting: end it by the PID it wrote.
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid))
            {
                Lab.Exec(serverNamespace, $"kill {pid}", out _);
            }
        }

        return ok;
    }

    private static double IperfReceivedBits(string json)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            return doc.RootElement.TryGetProperty("error", out _) ? 0
                : doc.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return 0;
        }
    }

    private string? Transport(LabNode node, string peer)
    {
        if (!Lab.Exec(node.Namespace, $"curl -s -m 3 http://{node.ApiAddress}/peers", out string json))
        {
            return null;
        }

        using JsonDocument doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray().FirstOrDefault(e => e.GetProperty("name").GetString() == peer) is { ValueKind: JsonValueKind.Object } p
            ? p.GetProperty("transport").GetString()
            : null;
    }

    private double Metric(LabNode node, string series)
    {
        Lab.Exec(node.Namespace, $"curl -s http://{node.ApiAddress}/metrics", out string text);
        string? line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private string Drops(string node)
    {
        Lab.Exec(N(node).Namespace, $"curl -s http://{N(node).ApiAddress}/metrics", out string text);
        return $"\n{node} drops: " + string.Join("; ", text.Split('\n').Where(l => l.StartsWith("aegisray_packets_dropped_total{", StringComparison.Ordinal)));
    }

    private static bool WaitFor(Func<bool> condition, int seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(500);
        }

        return false;
    }

    private string Log(string node) => $"{node}.log:\n{NamespaceLab.Tail(N(node).LogPath, 25)}";
}

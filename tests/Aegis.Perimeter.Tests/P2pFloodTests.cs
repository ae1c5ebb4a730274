using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Aegis.Cluster.Tests;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Network;
using static Aegis.Perimeter.Tests.Support.Perimeter;

namespace Aegis.Perimeter.Tests;

/// <summary>
/// The P2P listener of a real `aegis run` process under attack from loopback addresses: a connection flood from one
/// address, a handshake-rate flood, silent handshakes, too many observers, observers in production; each refusal
/// counted by reason, the log bounded, and the node still committing.
/// </summary>
public class P2pFloodTests
{
    private static readonly IPAddress Flooder = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Bystander = IPAddress.Parse("127.0.0.3");
    private static readonly IPAddress Churner = IPAddress.Parse("127.0.0.4");

    [Fact]
    public async Task A_flood_from_one_address_is_capped_rate_limited_timed_out_and_counted_with_a_bounded_log_and_observers_are_capped()
    {
        CancellationToken ct = Timeout(150);
        await using var cluster = new TestCluster(validators: 1);
        cluster.AddP2p("max_connections_per_ip: 4\nhandshakes_per_second_per_ip: 10\nhandshake_timeout_ms: 1000\nmax_observers: 2");
        await cluster.StartAsync(ct);
        var p2p = new IPEndPoint(IPAddress.Loopback, cluster.BasePort);
        string log = cluster.Processes.LogPath(0);
        int linesBefore = File.ReadLines(log).Count();

        // 1. 400 connections at once from one address, all kept open: at most 4 get the node's HELLO.
        var clock = Stopwatch.StartNew();
        Socket[] flood = await Task.WhenAll(Enumerable.Range(0, 400).Select(_ => ConnectAsync(p2p, Flooder, ct)));
        bool[] served = await Task.WhenAll(flood.Select(s => GotHelloAsync(s, ct)));
        Assert.InRange(served.Count(x => x), 1, 4);
        Assert.True(await GotHelloAsync(await ConnectAsync(p2p, Bystander, ct), ct), "another address was refused during the flood");

        // 2. The silent ones are dropped at the handshake timeout (1 s), which frees the address again.
        Socket[] held = [.. flood.Where((_, i) => served[i])];
        foreach (Socket s in held)
        {
            Assert.True(await ClosedByPeerAsync(s, ct, TimeSpan.FromSeconds(5)), "a silent handshake was not timed out");
        }

        // 3. 60 connections one after another from another address: only the handshake rate (10/s) refuses them.
        var churn = Stopwatch.StartNew();
        int churnServed = 0;
        for (int i = 0; i < 60; i++)
        {
            using Socket s = await ConnectAsync(p2p, Churner, ct);
            churnServed += await GotHelloAsync(s, ct) ? 1 : 0;
        }

        Assert.InRange(churnServed, 10, 10 * (1 + (int)Math.Ceiling(churn.Elapsed.TotalSeconds)));

        // 4. Observers: two get in, the third is told why it is refused.
        Genesis genesis = GenesisDocument.Parse(await File.ReadAllTextAsync(Path.Combine(cluster.Dir, "genesis.json"), ct), out _)!;
        var keys = Enumerable.Range(0, 3).Select(_ => EcdsaP256Signer.Generate()).ToList();
        SecureChannel first = await Observer(genesis, keys[0]).ConnectAsync(p2p, genesis.Validators.All[0].PublicKey, ct);
        SecureChannel second = await Observer(genesis, keys[1]).ConnectAsync(p2p, genesis.Validators.All[0].PublicKey, ct);
        HandshakeException third = await Assert.ThrowsAsync<HandshakeException>(() => Observer(genesis, keys[2]).ConnectAsync(p2p, genesis.Validators.All[0].PublicKey, ct));
        Assert.Equal(HandshakeFailure.RefusedByPeer, third.Reason);
        Assert.Contains("already has its 2 observers (p2p.max_observers)", third.Detail, StringComparison.Ordinal);

        // A slot freed by a leaving observer is taken by the next one.
        await first.DisposeAsync();
        SecureChannel replacement = await RetryAsync(() => Observer(genesis, keys[2]).ConnectAsync(p2p, genesis.Validators.All[0].PublicKey, ct), ct);
        await replacement.DisposeAsync();
        await second.DisposeAsync();

        // Every refusal is counted by reason; the node kept committing.
        Assert.Equal(200, (await cluster.PostTxAsync(0, "after-p2p-flood", "v", wait: true, ct)).Status);
        string metrics = await cluster.Http.GetStringAsync($"http://127.0.0.1:{cluster.BasePort + 2}/metrics", ct);
        double perIp = Metric(metrics, "aegis_p2p_connections_refused_total{reason=\"per_ip_connections\"}");
        double rate = Metric(metrics, "aegis_p2p_connections_refused_total{reason=\"handshake_rate\"}");
        Assert.Equal(400 - served.Count(x => x), perIp);
        Assert.Equal(60 - churnServed, rate);
        Assert.True(Metric(metrics, "aegis_p2p_connections_refused_total{reason=\"observer_limit\"}") >= 1, "observer refusal not counted");
        Assert.True(Metric(metrics, "aegis_auth_failures_total{reason=\"timeout\"}") >= held.Length, "timed-out handshakes not counted");
        Assert.Contains("aegis_p2p_connections_refused_total{reason=\"identity_in_use\"} 0", metrics, StringComparison.Ordinal);

        // Hundreds of refusals and failed handshakes, a few log lines: one per reason per 10 s interval.
        string[] added = [.. File.ReadLines(log).Skip(linesBefore)];
        string[] p2pLines = [.. added.Where(l => l.Contains("p2p ", StringComparison.Ordinal))];
        int intervals = 1 + (int)Math.Ceiling(clock.Elapsed.TotalSeconds / 10);
        Assert.True(p2pLines.Length <= 4 * intervals, $"{p2pLines.Length} p2p lines for {perIp + rate} refusals in {clock.Elapsed.TotalSeconds:0.0} s:\n{string.Join('\n', p2pLines)}");
        Assert.Contains(p2pLines, l => l.Contains("(per_ip_connections)", StringComparison.Ordinal));
        foreach (Socket s in flood)
        {
            s.Dispose();
        }

        keys.ForEach(k => k.Dispose());
    }

    [Fact]
    public async Task In_production_a_node_admits_no_observers_by_default_and_says_why()
    {
        CancellationToken ct = Timeout(120);
        await using var cluster = new TestCluster(validators: 1);
        cluster.EditConfigs(yaml => yaml.Replace("environment: development", "environment: production", StringComparison.Ordinal));
        cluster.SetSecurity("authentication: true\njwt_secret: \"0123456789abcdef0123456789abcdef\"");
        await cluster.StartAsync(ct);
        var p2p = new IPEndPoint(IPAddress.Loopback, cluster.BasePort);
        Genesis genesis = GenesisDocument.Parse(await File.ReadAllTextAsync(Path.Combine(cluster.Dir, "genesis.json"), ct), out _)!;

        using var key = EcdsaP256Signer.Generate();
        HandshakeException refused = await Assert.ThrowsAsync<HandshakeException>(() => Observer(genesis, key).ConnectAsync(p2p, null, ct));
        Assert.Equal(HandshakeFailure.RefusedByPeer, refused.Reason);
        Assert.Contains("accepts no observers (p2p.allow_observers is false, the default in production)", refused.Detail, StringComparison.Ordinal);

        string metrics = await cluster.Http.GetStringAsync($"http://127.0.0.1:{cluster.BasePort + 2}/metrics", ct);
        Assert.Equal(1, Metric(metrics, "aegis_p2p_connections_refused_total{reason=\"observers_off\"}"));
    }

    private static SecureTransport Observer(Genesis genesis, ISigner key) =>
        new(genesis.ChainId, key, _ => PeerRole.Validator) { HandshakeTimeout = TimeSpan.FromSeconds(5) };

    private static async Task<Socket> ConnectAsync(IPEndPoint endPoint, IPAddress source, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(source, 0));
        try
        {
            await socket.ConnectAsync(endPoint, ct);
        }
        catch (SocketException)
        {
            // Reset before the connect completed: a refused connection, seen by GotHelloAsync as not served.
        }

        return socket;
    }

    /// <summary>Whether the node sent its HELLO within 2 s (a refused connection is reset or closed instead).</summary>
    private static async Task<bool> GotHelloAsync(Socket socket, CancellationToken ct)
    {
        if (!socket.Connected)
        {
            return false;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(TimeSpan.FromSeconds(2));
        byte[] header = new byte[8];
        try
        {
            int read = 0;
            while (read < 8)
            {
                int n = await socket.ReceiveAsync(header.AsMemory(read), SocketFlags.None, wait.Token);
                if (n == 0)
                {
                    return false;
                }

                read += n;
            }

            return header.AsSpan(4).SequenceEqual("AEGS"u8);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> attempt, CancellationToken ct)
    {
        for (int i = 0; ; i++)
        {
            try
            {
                return await attempt();
            }
            catch (HandshakeException) when (i < 20)
            {
                await Task.Delay(100, ct);
            }
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Aegis.Core.Crypto;
using Aegis.Network.Tests.Support;

namespace Aegis.Network.Tests;

/// <summary>The listener's admission rules over real loopback TCP: per-address connections, handshake rate, throttled logs.</summary>
public sealed class AdmissionTests : IDisposable
{
    // Any 127.x address is loopback on Linux: different clients, as the node sees them.
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Bystander = IPAddress.Parse("127.0.0.3");

    private readonly EcdsaP256Signer _serverKey = EcdsaP256Signer.Generate();
    private readonly EcdsaP256Signer _clientKey = EcdsaP256Signer.Generate();
    private readonly RefusalMeter _refusals = new();
    private readonly CancellationToken _ct = Net.Deadline();

    public void Dispose()
    {
        _serverKey.Dispose();
        _clientKey.Dispose();
        _refusals.Dispose();
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task One_address_holds_at_most_its_connections_others_are_served_and_a_freed_slot_is_reused()
    {
        SecureTransport server = Net.Transport(_serverKey, handshakeTimeout: TimeSpan.FromSeconds(15));
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort, new PeerLimits { MaxConnectionsPerIp = 3, HandshakesPerSecondPerIp = 1000 });

        // Three silent connections hold the attacker's slots (each got the node's HELLO, so it is being handshaken).
        var held = new List<Socket>();
        for (int i = 0; i < 3; i++)
        {
            held.Add(await HoldAsync(listener.LocalEndPoint, Attacker));
        }

        Assert.Equal(3, listener.ConnectionsFrom(Attacker));
        long before = _refusals["per_ip_connections"];
        for (int i = 0; i < 20; i++)
        {
            Assert.False(await Net.IsServedAsync(listener.LocalEndPoint, _ct, Attacker), $"connection {i + 4} from one address was served");
        }

        Assert.Equal(20, _refusals["per_ip_connections"] - before);
        Assert.Equal(3, listener.ConnectionsFrom(Attacker));
        Assert.True(await Net.IsServedAsync(listener.LocalEndPoint, _ct, Bystander), "another address was refused");

        // Closing one frees its slot once the node sees the close.
        held[0].Dispose();
        await Net.WaitUntilAsync(() => listener.ConnectionsFrom(Attacker) == 2, _ct);
        using Socket again = await HoldAsync(listener.LocalEndPoint, Attacker);
        foreach (Socket s in held)
        {
            s.Dispose();
        }
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task A_proven_validator_stops_counting_against_its_address_and_an_observer_keeps_its_slot_until_it_closes()
    {
        var validatorKey = EcdsaP256Signer.Generate();
        SecureTransport server = Net.Transport(_serverKey, key => key.Equals(validatorKey.PublicKey) ? PeerRole.Validator : PeerRole.Observer);
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort, new PeerLimits { MaxConnectionsPerIp = 1, HandshakesPerSecondPerIp = 1000 });

        await using SecureChannel validator = await Net.Transport(validatorKey).ConnectAsync(listener.LocalEndPoint, null, _ct);
        await using SecureChannel validatorEnd = await listener.AcceptAsync(_ct);
        Assert.Equal(0, listener.ConnectionsFrom(IPAddress.Loopback));

        SecureChannel observer = await Net.Transport(_clientKey).ConnectAsync(listener.LocalEndPoint, null, _ct);
        SecureChannel observerEnd = await listener.AcceptAsync(_ct);
        Assert.Equal(PeerRole.Observer, observerEnd.Role);
        Assert.Equal(1, listener.ConnectionsFrom(IPAddress.Loopback));
        Assert.False(await Net.IsServedAsync(listener.LocalEndPoint, _ct), "a second unproven connection got past a limit of 1");

        await observerEnd.DisposeAsync();
        await observer.DisposeAsync();
        Assert.Equal(0, listener.ConnectionsFrom(IPAddress.Loopback));
        Assert.True(await Net.IsServedAsync(listener.LocalEndPoint, _ct));
        validatorKey.Dispose();
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task Handshakes_beyond_the_per_second_rate_of_one_address_are_reset_and_counted()
    {
        SecureTransport server = Net.Transport(_serverKey);
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort, new PeerLimits { MaxConnectionsPerIp = 100, HandshakesPerSecondPerIp = 5 });
        long before = _refusals["handshake_rate"];

        // 40 connections one after the other (each closed before the next, so only the rate can refuse them).
        var clock = Stopwatch.StartNew();
        int served = 0;
        for (int i = 0; i < 40; i++)
        {
            served += await Net.IsServedAsync(listener.LocalEndPoint, _ct, Attacker) ? 1 : 0;
        }

        // One bucket of 5, refilled with 5 once a second.
        int allowed = 5 * (1 + (int)Math.Ceiling(clock.Elapsed.TotalSeconds));
        Assert.InRange(served, 5, allowed);
        Assert.Equal(40 - served, _refusals["handshake_rate"] - before);
        Assert.True(await Net.IsServedAsync(listener.LocalEndPoint, _ct, Bystander), "another address shares the attacker's bucket");
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task A_flood_of_refused_connections_writes_one_line_per_reason_per_interval()
    {
        var log = new LineCounter();
        var server = new SecureTransport(Net.Chain, _serverKey, _ => PeerRole.Validator, log);
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort, new PeerLimits { MaxConnectionsPerIp = 1, HandshakesPerSecondPerIp = 1000, LogInterval = TimeSpan.FromMinutes(1) });
        using Socket holder = await HoldAsync(listener.LocalEndPoint, Attacker);

        for (int i = 0; i < 300; i++)
        {
            Assert.False(await Net.IsServedAsync(listener.LocalEndPoint, _ct, Attacker));
        }

        string line = Assert.Single(log.Lines, l => l.Id.Id == 4004).Text;
        Assert.Contains("(per_ip_connections)", line, StringComparison.Ordinal);
        Assert.Contains("[0 more refusals", line, StringComparison.Ordinal);
    }

    [Fact]
    public void The_throttle_writes_the_first_line_then_one_per_interval_carrying_the_count_it_stood_for()
    {
        var time = new ManualTime();
        var throttle = new LogThrottle(2, TimeSpan.FromSeconds(10), time);
        Assert.True(throttle.ShouldLog(0, out long suppressed));
        Assert.Equal(0, suppressed);
        for (int i = 0; i < 999; i++)
        {
            Assert.False(throttle.ShouldLog(0, out _));
        }

        // Another key has its own interval.
        Assert.True(throttle.ShouldLog(1, out _));
        time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(throttle.ShouldLog(0, out _));
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(throttle.ShouldLog(0, out suppressed));
        Assert.Equal(1000, suppressed);
        Assert.False(throttle.ShouldLog(0, out _));
    }

    /// <summary>Connects from <paramref name="source"/> and reads the node's HELLO, so the connection is known to hold a handshake slot.</summary>
    private async Task<Socket> HoldAsync(IPEndPoint endPoint, IPAddress source)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(source, 0));
        await socket.ConnectAsync(endPoint, _ct);
        byte[] header = new byte[8];
        Assert.Equal(8, await socket.ReceiveAsync(header, SocketFlags.None, _ct));
        return socket;
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _now = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _now;

        public void Advance(TimeSpan by) => _now += by.Ticks;
    }
}

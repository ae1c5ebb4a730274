using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Network.Tests.Support;

namespace Aegis.Network.Tests;

/// <summary>HELLO → AUTH → READY over real TCP on 127.0.0.1: who gets in, in which role, and how everyone else is turned away.</summary>
public sealed class HandshakeTests : IDisposable
{
    private readonly EcdsaP256Signer _serverKey = EcdsaP256Signer.Generate();
    private readonly EcdsaP256Signer _clientKey = EcdsaP256Signer.Generate();
    private readonly AuthFailureMeter _failures = new();
    private readonly CancellationToken _ct = Net.Deadline();

    public void Dispose()
    {
        _serverKey.Dispose();
        _clientKey.Dispose();
        _failures.Dispose();
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task Either_node_can_dial_the_other_and_both_ends_learn_the_proven_identity()
    {
        SecureTransport a = Net.Transport(_serverKey);
        SecureTransport b = Net.Transport(_clientKey);
        await using SecureListener aListens = a.Listen(Net.AnyLoopbackPort);
        await using SecureListener bListens = b.Listen(Net.AnyLoopbackPort);

        Task<SecureChannel> aAccepts = aListens.AcceptAsync(_ct).AsTask();
        await using SecureChannel bToA = await b.ConnectAsync(aListens.LocalEndPoint, _serverKey.PublicKey, _ct);
        await using SecureChannel aFromB = await aAccepts;
        Task<SecureChannel> bAccepts = bListens.AcceptAsync(_ct).AsTask();
        await using SecureChannel aToB = await a.ConnectAsync(bListens.LocalEndPoint, _clientKey.PublicKey, _ct);
        await using SecureChannel bFromA = await bAccepts;

        Assert.Equal(_serverKey.PublicKey, bToA.RemoteIdentity);
        Assert.Equal(_clientKey.PublicKey, aFromB.RemoteIdentity);
        Assert.Equal(_clientKey.PublicKey, aToB.RemoteIdentity);
        Assert.Equal(_serverKey.PublicKey, bFromA.RemoteIdentity);
        Assert.Equal(aListens.LocalEndPoint, bToA.RemoteEndPoint);
        Assert.Equal(0, _failures.Count);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task Ed25519_identities_authenticate_too()
    {
        Ed25519Signer edKey = Ed25519Signer.Generate();
        SecureTransport server = Net.Transport(edKey);
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort);
        Task<SecureChannel> accepted = listener.AcceptAsync(_ct).AsTask();
        await using SecureChannel client = await Net.Transport(_clientKey).ConnectAsync(listener.LocalEndPoint, edKey.PublicKey, _ct);
        await using SecureChannel serverSide = await accepted;
        Assert.Equal(edKey.PublicKey, client.RemoteIdentity);
        Assert.Equal(KeyAlgorithm.Ed25519, client.RemoteIdentity.Algorithm);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task A_wrong_chain_id_is_refused_on_both_sides_and_counted_twice()
    {
        SecureTransport server = Net.Transport(_serverKey, chain: "chain-a");
        ChannelReader<HandshakeException> serverFailures = Net.RecordFailures(server);
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort);

        HandshakeException dialer = await Assert.ThrowsAsync<HandshakeException>(() => Net.Transport(_clientKey, chain: "chain-b").ConnectAsync(listener.LocalEndPoint, null, _ct));
        HandshakeException acceptor = await serverFailures.ReadAsync(_ct);

        Assert.Equal(HandshakeFailure.ChainMismatch, dialer.Reason);
        Assert.Equal($"outbound handshake with {listener.LocalEndPoint} failed: peer is on chain 'chain-a', this node is on chain 'chain-b'", dialer.Message);
        Assert.Equal(HandshakeFailure.ChainMismatch, acceptor.Reason);
        Assert.Contains("peer is on chain 'chain-b', this node is on chain 'chain-a'", acceptor.Message, StringComparison.Ordinal);
        Assert.StartsWith("inbound handshake with 127.0.0.1:", acceptor.Message, StringComparison.Ordinal);
        Assert.Equal(2, _failures.Count);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task A_peer_speaking_another_protocol_version_is_refused_with_the_versions_named()
    {
        SecureTransport server = Net.Transport(_serverKey);
        ChannelReader<HandshakeException> serverFailures = Net.RecordFailures(server);
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort);

        (HandshakeException acceptor, _) = await RawClientFailsAsync(listener, serverFailures, Net.HelloFrame(version: 2));
        Assert.Equal(HandshakeFailure.UnsupportedVersion, acceptor.Reason);
        Assert.Equal("peer speaks protocol version 2; this node supports version 1 only", acceptor.Detail);

        // And the dialing side, reaching a node that answers with version 2.
        using var fake = new TcpListener(IPAddress.Loopback, 0);
        fake.Start();
        Task<HandshakeException> dial = Assert.ThrowsAsync<HandshakeException>(() => Net.Transport(_clientKey).ConnectAsync((IPEndPoint)fake.LocalEndpoint, null, _ct));
        using TcpClient accepted = await fake.AcceptTcpClientAsync(_ct);
        await accepted.GetStream().WriteAsync(Net.HelloFrame(version: 2), _ct);
        Assert.Equal(HandshakeFailure.UnsupportedVersion, (await dial).Reason);
        Assert.Equal(2, _failures.Count);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task Garbage_instead_of_HELLO_fails_with_a_reason_and_the_listener_keeps_accepting()
    {
        SecureTransport server = Net.Transport(_serverKey);
        ChannelReader<HandshakeException> serverFailures = Net.RecordFailures(server);
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort);

        (HandshakeException http, EndPoint httpClient) = await RawClientFailsAsync(listener, serverFailures, "GET / HTTP/1.1\r\nHost: node\r\n\r\n"u8.ToArray());
        Assert.Equal(HandshakeFailure.ProtocolViolation, http.Reason);
        Assert.Equal($"inbound handshake with {httpClient} failed: the first frame is not an AEGIS HELLO: frame of 1195725856 bytes exceeds the 1024-byte limit", http.Message);

        (HandshakeException wrongMagic, _) = await RawClientFailsAsync(listener, serverFailures, "\0\0\0\u0005HELLO"u8.ToArray());
        Assert.Equal(HandshakeFailure.BadMagic, wrongMagic.Reason);
        Assert.Equal("not an AEGIS peer: HELLO starts with 0x48454C4C, expected the magic 'AEGS'", wrongMagic.Detail);

        (HandshakeException badPoint, _) = await RawClientFailsAsync(listener, serverFailures, Net.HelloFrame(ephemeralKey: [0x04, .. new byte[64]]));
        Assert.Equal(HandshakeFailure.MalformedMessage, badPoint.Reason);
        Assert.Contains("ephemeral key is not a valid P-256 point", badPoint.Detail, StringComparison.Ordinal);

        Task<SecureChannel> accepted = listener.AcceptAsync(_ct).AsTask();
        await using SecureChannel good = await Net.Transport(_clientKey).ConnectAsync(listener.LocalEndPoint, _serverKey.PublicKey, _ct);
        await using SecureChannel serverSide = await accepted;
        Assert.Equal(_clientKey.PublicKey, serverSide.RemoteIdentity);
        Assert.Equal(3, _failures.Count);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task A_first_frame_claiming_4_GiB_is_refused_from_its_header()
    {
        SecureTransport server = Net.Transport(_serverKey);
        ChannelReader<HandshakeException> serverFailures = Net.RecordFailures(server);
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort);

        (HandshakeException ex, _) = await RawClientFailsAsync(listener, serverFailures, [0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3]);
        Assert.Equal(HandshakeFailure.ProtocolViolation, ex.Reason);
        Assert.EndsWith("frame of 4294967295 bytes exceeds the 1024-byte limit", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, _failures.Count);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task A_peer_that_says_nothing_times_out_naming_the_message_awaited()
    {
        SecureTransport server = Net.Transport(_serverKey, handshakeTimeout: TimeSpan.FromMilliseconds(300));
        ChannelReader<HandshakeException> serverFailures = Net.RecordFailures(server);
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort);

        (HandshakeException ex, _) = await RawClientFailsAsync(listener, serverFailures, []);
        Assert.Equal(HandshakeFailure.Timeout, ex.Reason);
        Assert.Equal("timed out after 0.3 s waiting for HELLO", ex.Detail);
        Assert.Equal(1, _failures.Count);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task An_unknown_identity_is_refused_when_observers_are_not_allowed_and_told_why()
    {
        var validators = new ValidatorSet([new Validator(0, "v0", _serverKey.PublicKey, "127.0.0.1:1")]);
        SecureTransport server = Net.Transport(_serverKey, PeerPolicy.ForValidators(validators, allowObservers: false));
        ChannelReader<HandshakeException> serverFailures = Net.RecordFailures(server);
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort);

        HandshakeException dialer = await Assert.ThrowsAsync<HandshakeException>(() => Net.Transport(_clientKey).ConnectAsync(listener.LocalEndPoint, _serverKey.PublicKey, _ct));
        HandshakeException acceptor = await serverFailures.ReadAsync(_ct);

        string fingerprint = _clientKey.PublicKey.Fingerprint.ToShortString();
        Assert.Equal(HandshakeFailure.Unauthorized, acceptor.Reason);
        Assert.Equal($"identity {fingerprint} is not allowed to connect by this node's peer policy", acceptor.Detail);
        Assert.Equal(HandshakeFailure.RefusedByPeer, dialer.Reason);
        Assert.Equal($"the peer refused this node: identity {fingerprint} is not allowed to connect by this node's peer policy", dialer.Detail);
        Assert.Equal(2, _failures.Count);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task An_unknown_identity_joins_as_an_observer_when_allowed_and_a_validator_as_a_validator()
    {
        using EcdsaP256Signer validatorKey = EcdsaP256Signer.Generate();
        var validators = new ValidatorSet([new Validator(0, "v0", validatorKey.PublicKey, "127.0.0.1:1")]);
        SecureTransport server = Net.Transport(_serverKey, PeerPolicy.ForValidators(validators, allowObservers: true));
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort);

        Task<SecureChannel> accepted = listener.AcceptAsync(_ct).AsTask();
        await using SecureChannel stranger = await Net.Transport(_clientKey).ConnectAsync(listener.LocalEndPoint, null, _ct);
        await using SecureChannel asObserver = await accepted;
        Assert.Equal(PeerRole.Observer, asObserver.Role);
        Assert.Equal(_clientKey.PublicKey, asObserver.RemoteIdentity);

        accepted = listener.AcceptAsync(_ct).AsTask();
        await using SecureChannel validator = await Net.Transport(validatorKey).ConnectAsync(listener.LocalEndPoint, null, _ct);
        await using SecureChannel asValidator = await accepted;
        Assert.Equal(PeerRole.Validator, asValidator.Role);
        Assert.Equal(0, _failures.Count);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task Dialing_a_known_validator_that_proves_another_key_is_refused()
    {
        using EcdsaP256Signer expected = EcdsaP256Signer.Generate();
        SecureTransport server = Net.Transport(_serverKey);
        ChannelReader<HandshakeException> serverFailures = Net.RecordFailures(server);
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort);

        HandshakeException dialer = await Assert.ThrowsAsync<HandshakeException>(() => Net.Transport(_clientKey).ConnectAsync(listener.LocalEndPoint, expected.PublicKey, _ct));
        HandshakeException acceptor = await serverFailures.ReadAsync(_ct);

        Assert.Equal(HandshakeFailure.UnexpectedIdentity, dialer.Reason);
        Assert.Equal($"dialed expecting identity {expected.PublicKey.Fingerprint.ToShortString()}, the peer proved identity {_serverKey.PublicKey.Fingerprint.ToShortString()}", dialer.Detail);
        Assert.Equal(HandshakeFailure.RefusedByPeer, acceptor.Reason);
        Assert.Equal(2, _failures.Count);
    }

    [Fact(Timeout = Net.TestTimeoutMs)]
    public async Task A_man_in_the_middle_altering_HELLO_breaks_the_transcript_and_both_sides_refuse()
    {
        SecureTransport server = Net.Transport(_serverKey);
        ChannelReader<HandshakeException> serverFailures = Net.RecordFailures(server);
        await using SecureListener listener = server.Listen(Net.AnyLoopbackPort);

        // Flip one bit of the initiator's HELLO random: the two sides now hash different transcripts.
        await using var proxy = new TamperingProxy(listener.LocalEndPoint, (i, frame) => i == 0 ? TamperingProxy.FlipOneBit(frame, frame.Length - 1) : frame);
        HandshakeException dialer = await Assert.ThrowsAsync<HandshakeException>(() => Net.Transport(_clientKey).ConnectAsync(proxy.EndPoint, null, _ct));
        HandshakeException acceptor = await serverFailures.ReadAsync(_ct);

        Assert.Equal(HandshakeFailure.BadSignature, dialer.Reason);
        Assert.Equal(HandshakeFailure.BadSignature, acceptor.Reason);
        Assert.Contains("AUTH failed to decrypt", acceptor.Detail, StringComparison.Ordinal);
        Assert.Equal(2, _failures.Count);
    }

    [Fact]
    public void The_signed_transcript_is_bound_to_the_signers_role_and_session()
    {
        byte[] transcript = new byte[32];
        Assert.NotEqual(AuthMessage.SignBytes(true, transcript), AuthMessage.SignBytes(false, transcript));
        byte[] auth = AuthMessage.Create(_clientKey, initiator: true, transcript);

        Assert.Equal(_clientKey.PublicKey, AuthMessage.Verify(auth, signedByInitiator: true, transcript));
        Assert.Equal(HandshakeFailure.BadSignature, Assert.Throws<HandshakeError>(() => AuthMessage.Verify(auth, signedByInitiator: false, transcript)).Reason);
        byte[] otherSession = [1, .. transcript[1..]];
        Assert.Equal(HandshakeFailure.BadSignature, Assert.Throws<HandshakeError>(() => AuthMessage.Verify(auth, signedByInitiator: true, otherSession)).Reason);
    }

    [Fact]
    public void A_refusal_reason_too_long_for_string8_is_cut_at_a_whole_character()
    {
        // 200 two-byte characters: 127 of them (254 bytes) fit the 255-byte field, half of the 128th would not.
        byte[] refusal = ReadyMessage.Refusal(new string('é', 200));

        Assert.Equal(1 + 254, refusal.Length);
        HandshakeError ex = Assert.Throws<HandshakeError>(() => ReadyMessage.Check(refusal));
        Assert.Equal(HandshakeFailure.RefusedByPeer, ex.Reason);
        Assert.Equal($"the peer refused this node: {new string('é', 127)}", ex.Message);
    }

    /// <summary>
    /// A raw client connects, writes <paramref name="bytes"/> (perhaps none) and stays connected until the node has
    /// failed its handshake, so the node, not a reset, ends the connection. Returns that failure and the client's endpoint.
    /// </summary>
    private async Task<(HandshakeException Failure, EndPoint Client)> RawClientFailsAsync(SecureListener listener, ChannelReader<HandshakeException> failures, byte[] bytes)
    {
        using TcpClient raw = await Net.RawConnectAsync(listener.LocalEndPoint, _ct);
        await raw.GetStream().WriteAsync(bytes, _ct);
        return (await failures.ReadAsync(_ct), raw.Client.LocalEndPoint!);
    }
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using Aegis.Cluster.Tests;
using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Network;
using Aegis.Node.Identity;
using static Aegis.Perimeter.Tests.Support.Perimeter;

namespace Aegis.Perimeter.Tests;

/// <summary>
/// A real `aegis run` process never signs two different votes for one height and view, even when it is killed
/// between them: the test plays the other three validators of its chain over real P2P (it holds their keys) and, after
/// the kill and restart, offers a conflicting block at the same view and height with a quorum's prepares behind it.
/// </summary>
public class DoubleSignTests
{
    [Fact]
    public async Task A_validator_killed_after_voting_never_votes_for_a_different_block_at_the_same_view_and_height_after_restart()
    {
        CancellationToken ct = Timeout(120);
        await using var cluster = new TestCluster(validators: 4);
        Genesis genesis = GenesisDocument.Parse(await File.ReadAllTextAsync(Path.Combine(cluster.Dir, "genesis.json"), ct), out _)!;
        EcdsaP256Signer[] keys = [.. Enumerable.Range(0, 4).Select(i => KeyFile.Read(Path.Combine(cluster.Dir, $"node{i}", "node.key")))];
        var node1 = new IPEndPoint(IPAddress.Loopback, cluster.BasePort + 10);
        PrePrepare proposalA = Propose(genesis, keys[0], "A");
        PrePrepare proposalB = Propose(genesis, keys[0], "B");
        Assert.NotEqual(proposalA.Block.Hash, proposalB.Block.Hash);

        // Only node1 runs; the test is validator 0 (the primary of view 0) and relays validators 2 and 3.
        cluster.Processes.Start(1);
        await using (Peer peer = await Peer.ConnectAsync(genesis, keys[0], node1, ct))
        {
            await peer.SendAsync(proposalA, ct);
            await peer.WaitForAsync(v => v.Kind == MessageType.Prepare && v.BlockHash == proposalA.Block.Hash, ct);
            await peer.SendAsync(Prepare(genesis, keys[2], 2, proposalA), ct);
            await peer.SendAsync(Prepare(genesis, keys[3], 3, proposalA), ct);
            await peer.WaitForAsync(v => v.Kind == MessageType.Commit && v.BlockHash == proposalA.Block.Hash, ct);
        }

        // kill -9 right after its COMMIT for A went out: nothing committed (no commits were sent to it), so height 1 is open.
        await cluster.Processes.KillAsync(1);
        cluster.Processes.Start(1);
        await using (Peer peer = await Peer.ConnectAsync(genesis, keys[0], node1, ct))
        {
            await peer.SendAsync(proposalB, ct);
            await peer.SendAsync(Prepare(genesis, keys[2], 2, proposalB), ct);
            await peer.SendAsync(Prepare(genesis, keys[3], 3, proposalB), ct);

            // The restored replica never signs a vote for B, and still stands by A: it retransmits its votes for A.
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            Vote[] votes = peer.Votes;
            Assert.DoesNotContain(votes, v => v.View == 0 && v.Height == 1 && v.BlockHash != proposalA.Block.Hash);
            Assert.Contains(votes, v => v.View == 0 && v.Height == 1 && v.BlockHash == proposalA.Block.Hash);
            Assert.All(votes.Where(v => v.View == 0 && v.Height == 1), v => Assert.Equal(1, v.Sender));
        }

        Assert.Equal(0UL, await cluster.HeightAsync(1, ct));
        foreach (EcdsaP256Signer k in keys)
        {
            k.Dispose();
        }
    }

    private static PrePrepare Propose(Genesis genesis, ISigner primary, string value)
    {
        Transaction[] txs = [Transaction.Put("double-sign", value)];
        var header = new BlockHeader(genesis.ChainId, 1, 0, genesis.Hash, Block.ComputeTxRoot(txs), Hash32.Zero, 0, genesis.GenesisTimeMs, 1);
        return Sign(genesis, primary, new PrePrepare(0, 0, 1, new Block(header, txs)));
    }

    private static Vote Prepare(Genesis genesis, ISigner signer, ushort sender, PrePrepare proposal) =>
        Sign(genesis, signer, new Vote(sender, MessageType.Prepare, proposal.View, proposal.Height, proposal.Block.Hash));

    private static T Sign<T>(Genesis genesis, ISigner signer, T message)
        where T : ConsensusMessage
    {
        byte[] signature = new byte[Signature.Size];
        signer.Sign(message.SignedBytes(genesis.ChainId), signature);
        return message with { Signature = signature };
    }

    /// <summary>One authenticated P2P connection to the node under test: answers its pings and keeps every vote it sends.</summary>
    private sealed class Peer : IAsyncDisposable
    {
        private readonly SecureChannel _channel;
        private readonly ConcurrentQueue<Vote> _votes = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _reader;

        private Peer(SecureChannel channel)
        {
            _channel = channel;
            _reader = Task.Run(ReadAsync);
        }

        public Vote[] Votes => [.. _votes];

        public static async Task<Peer> ConnectAsync(Genesis genesis, ISigner key, IPEndPoint node, CancellationToken ct)
        {
            var transport = new SecureTransport(genesis.ChainId, key, PeerPolicy.ForValidators(genesis.Validators, allowObservers: false));
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    return new Peer(await transport.ConnectAsync(node, genesis.Validators.All[1].PublicKey, ct));
                }
                catch (Exception ex) when (ex is System.Net.Sockets.SocketException or HandshakeException && attempt < 100)
                {
                    // The process is still starting (or still holds the previous connection as live).
                    await Task.Delay(200, ct);
                }
            }
        }

        public async Task SendAsync(ConsensusMessage message, CancellationToken ct) =>
            await _channel.SendAsync(new ConsensusEnvelope(message).ToBytes(), ct);

        public async Task WaitForAsync(Func<Vote, bool> match, CancellationToken ct)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(20));
            while (!_votes.Any(match))
            {
                Assert.False(_reader.IsCompleted, "the node closed the connection");
                await Task.Delay(50, deadline.Token);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _channel.DisposeAsync();
            await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _stop.Dispose();
        }

        private async Task ReadAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                using IMemoryOwner<byte>? payload = await _channel.ReceiveAsync(_stop.Token);
                if (payload is null)
                {
                    return;
                }

                switch (PeerMessage.FromBytes(payload.Memory.Span))
                {
                    case Ping p:
                        await _channel.SendAsync(new Pong(p.Nonce, p.SentTicks).ToBytes(), _stop.Token);
                        break;
                    case ConsensusEnvelope { Message: Vote v }:
                        _votes.Enqueue(v);
                        break;
                }
            }
        }
    }
}

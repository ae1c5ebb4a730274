using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Network;
using Aegis.Node.StateSync;

namespace Aegis.Node.Tests.StateSync;

/// <summary>
/// The snapshot protocol against trees built in memory: honest peers serve parts with <see cref="SnapshotServer"/>,
/// a lying peer alters what it serves, and <see cref="SnapshotFetch"/> must end with exactly the certified state.
/// </summary>
public class SnapshotFetchTests
{
    private static byte[] B(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    private static (InMemoryTreeNodeStore Nodes, Hash32 Root, Dictionary<string, string> State) State(int count)
    {
        var nodes = new InMemoryTreeNodeStore();
        var state = Enumerable.Range(0, count).ToDictionary(i => $"user/{i}", i => $"balance {i * 7}");
        TreeUpdate u = StateTree.Update(nodes, StateTree.EmptyRoot, [.. state.Select(e => new StateChange(B(e.Key), B(e.Value)))], 1);
        nodes.Apply(u, 1);
        return (nodes, u.Root, state);
    }

    /// <summary>Runs the fetch to the end: each request answered by its peer's <paramref name="serve"/>; returns the refusals.</summary>
    private static List<(int Peer, string Reason)> Run(SnapshotFetch fetch, Dictionary<int, Func<SnapshotPartRequest, SnapshotPart>> serve, int maxRounds = 10_000)
    {
        var refusals = new List<(int, string)>();
        var peers = serve.Keys.ToList();
        for (int round = 0; round < maxRounds && !fetch.IsComplete; round++)
        {
            IReadOnlyList<(int Peer, SnapshotPartRequest Request)> sends = fetch.Assign(peers, round);
            Assert.True(sends.Count > 0 || fetch.InFlight > 0, "the fetch is stuck: nothing to send and nothing in flight");
            foreach ((int peer, SnapshotPartRequest request) in sends)
            {
                // Through the wire format, as a peer's answer arrives.
                var wire = (SnapshotPartRequest)PeerMessage.FromBytes(request.ToBytes());
                var answer = (SnapshotPart)PeerMessage.FromBytes(serve[peer](wire).ToBytes());
                if (fetch.Receive(peer, answer) is { } reason)
                {
                    refusals.Add((peer, reason));
                }
            }
        }

        Assert.True(fetch.IsComplete, "the fetch did not finish");
        return refusals;
    }

    private static void AssertSameState(Dictionary<string, string> expected, SnapshotFetch fetch)
    {
        var got = fetch.Entries.ToDictionary(e => System.Text.Encoding.UTF8.GetString(e.Key), e => System.Text.Encoding.UTF8.GetString(e.Value));
        Assert.Equal(expected.Count, got.Count);
        Assert.All(expected, e => Assert.Equal(e.Value, got[e.Key]));
        Assert.Equal(fetch.Root, StateTree.Build(fetch.Entries).Root);
    }

    [Fact]
    public void Three_honest_peers_serve_a_state_larger_than_one_part_and_share_the_work()
    {
        (InMemoryTreeNodeStore nodes, Hash32 root, Dictionary<string, string> state) = State(30_000);
        var fetch = new SnapshotFetch(root, firstRequestId: 1);
        var asked = new Dictionary<int, int>();
        SnapshotPart Serve(int peer, SnapshotPartRequest r)
        {
            asked[peer] = asked.GetValueOrDefault(peer) + 1;
            return SnapshotServer.Answer(nodes, r);
        }

        List<(int Peer, string Reason)> refusals = Run(fetch, new() { [0] = r => Serve(0, r), [1] = r => Serve(1, r), [2] = r => Serve(2, r) });

        Assert.Empty(refusals);
        AssertSameState(state, fetch);
        Assert.Equal(3, asked.Count);
        Assert.True(asked.Values.Sum() > 4, $"30,000 entries came in {asked.Values.Sum()} parts: the root was never split");
    }

    [Fact]
    public void A_lying_peers_altered_chunks_and_splits_are_refused_and_asked_again_elsewhere()
    {
        (InMemoryTreeNodeStore nodes, Hash32 root, Dictionary<string, string> state) = State(20_000);
        var fetch = new SnapshotFetch(root, firstRequestId: 100);
        SnapshotPart Lie(SnapshotPartRequest r)
        {
            SnapshotPart honest = SnapshotServer.Answer(nodes, r);
            return honest.Answer switch
            {
                SnapshotPartKind.Chunk => SnapshotPart.Of(r.RequestId, honest.Chunk! with
                {
                    Entries = [.. honest.Chunk!.Entries.Select((e, i) => i == 0 ? new KeyValuePair<byte[], byte[]>(e.Key, B("stolen")) : e)],
                }),
                SnapshotPartKind.Split => SnapshotPart.Split(r.RequestId, honest.Right, honest.Left),
                _ => honest,
            };
        }

        List<(int Peer, string Reason)> refusals = Run(fetch, new() { [0] = Lie, [1] = r => SnapshotServer.Answer(nodes, r), [2] = Lie });

        Assert.NotEmpty(refusals);
        Assert.All(refusals, r => Assert.NotEqual(1, r.Peer));
        Assert.Contains(refusals, r => r.Reason.StartsWith("split:", StringComparison.Ordinal));
        Assert.Contains(refusals, r => r.Reason.Contains("lead to state root", StringComparison.Ordinal));
        Assert.Equal(refusals.Count, fetch.Refused);
        AssertSameState(state, fetch);
    }

    [Fact]
    public void A_chunk_for_another_location_or_another_root_is_refused()
    {
        // 12,000 entries: more than one part at the root, one part each below it.
        (InMemoryTreeNodeStore nodes, Hash32 root, _) = State(12_000);
        (InMemoryTreeNodeStore otherNodes, Hash32 otherRoot, _) = State(12_001);
        var fetch = new SnapshotFetch(root, firstRequestId: 1);
        (int peer, SnapshotPartRequest first) = Assert.Single(fetch.Assign([7], 0));

        // The whole tree at depth 0 does not fit one part: the honest answer is a split. Answer another state's instead.
        SnapshotPart foreign = SnapshotServer.Answer(otherNodes, first with { StateRoot = otherRoot });
        Assert.Equal(SnapshotPartKind.Split, foreign.Answer);
        Assert.StartsWith("split:", fetch.Receive(peer, foreign));

        (_, SnapshotPartRequest again) = Assert.Single(fetch.Assign([7], 1));
        Assert.Equal(first.Location, again.Location);
        Assert.Null(fetch.Receive(7, SnapshotServer.Answer(nodes, again)));

        // A real chunk of this state, but of a sibling location: refused for its location.
        IReadOnlyList<(int Peer, SnapshotPartRequest Request)> children = fetch.Assign([7], 2);
        Assert.Equal(2, children.Count);
        SnapshotPart right = SnapshotServer.Answer(nodes, children[1].Request);
        Assert.Equal(SnapshotPartKind.Chunk, right.Answer);
        SnapshotPart misplaced = right with { RequestId = children[0].Request.RequestId };
        string? refusal = fetch.Receive(7, misplaced);
        Assert.NotNull(refusal);
        Assert.Contains("asked for depth 1", refusal);
    }

    [Fact]
    public void An_answer_from_a_peer_that_was_not_asked_or_to_an_unknown_request_is_ignored()
    {
        (InMemoryTreeNodeStore nodes, Hash32 root, _) = State(50);
        var fetch = new SnapshotFetch(root, firstRequestId: 1);
        (int peer, SnapshotPartRequest request) = Assert.Single(fetch.Assign([3, 4], 0));
        int other = peer == 3 ? 4 : 3;
        Assert.Null(fetch.Receive(other, SnapshotServer.Answer(nodes, request)));
        Assert.Null(fetch.Receive(peer, SnapshotPart.Unavailable(999, "never asked")));
        Assert.False(fetch.IsComplete);
        Assert.Null(fetch.Receive(peer, SnapshotServer.Answer(nodes, request)));
        Assert.True(fetch.IsComplete);
        Assert.Equal(50, fetch.EntryCount);
    }

    [Fact]
    public void An_unanswered_part_expires_and_goes_to_another_peer()
    {
        (InMemoryTreeNodeStore nodes, Hash32 root, _) = State(10);
        var fetch = new SnapshotFetch(root, firstRequestId: 1);
        (int silent, _) = Assert.Single(fetch.Assign([1, 2], now: 0));
        Assert.Equal(0, fetch.Expire(before: 0));
        Assert.Equal(1, fetch.Expire(before: 10));
        (int next, SnapshotPartRequest again) = Assert.Single(fetch.Assign([1, 2], now: 11));
        Assert.NotEqual(silent, next);
        Assert.Null(fetch.Receive(next, SnapshotServer.Answer(nodes, again)));
        Assert.True(fetch.IsComplete);
    }

    [Fact]
    public void A_server_that_does_not_hold_the_root_or_the_path_answers_unavailable()
    {
        (InMemoryTreeNodeStore nodes, Hash32 root, _) = State(100);
        SnapshotPart unknownRoot = SnapshotServer.Answer(nodes, new SnapshotPartRequest(1, Hash32.Compute(B("no such root")), new ChunkLocation(Hash32.Zero, 0)));
        Assert.Equal(SnapshotPartKind.Unavailable, unknownRoot.Answer);
        Assert.Contains("not retained here", unknownRoot.Reason);

        var badPath = new ChunkLocation(Hash32.Compute(B("bits everywhere")), 2);
        Assert.Contains("beyond its depth", SnapshotServer.Answer(nodes, new SnapshotPartRequest(2, root, badPath)).Reason);
        Assert.Contains("empty state", SnapshotServer.Answer(nodes, new SnapshotPartRequest(3, Hash32.Zero, new ChunkLocation(Hash32.Zero, 0))).Reason);
    }

    [Fact]
    public void The_empty_state_needs_no_parts()
    {
        var fetch = new SnapshotFetch(StateTree.EmptyRoot, firstRequestId: 1);
        Assert.True(fetch.IsComplete);
        Assert.Empty(fetch.Assign([1], 0));
        Assert.Equal(StateTree.EmptyRoot, StateTree.Build(fetch.Entries).Root);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(12)]
    public void Truncated_snapshot_frames_are_refused_naming_a_field(byte kind)
    {
        (InMemoryTreeNodeStore nodes, Hash32 root, _) = State(30);
        PeerMessage message = kind switch
        {
            9 => new SnapshotOfferRequest(5),
            10 => new SnapshotOffer(5, null),
            11 => new SnapshotPartRequest(5, root, new ChunkLocation(Hash32.Zero, 0)),
            _ => SnapshotServer.Answer(nodes, new SnapshotPartRequest(5, root, new ChunkLocation(Hash32.Zero, 0))),
        };
        byte[] bytes = message.ToBytes();
        Assert.Equal(kind, bytes[0]);
        Assert.Equal(message.GetType(), PeerMessage.FromBytes(bytes).GetType());
        var truncated = Assert.Throws<CodecException>(() => PeerMessage.FromBytes(bytes.AsSpan(0, bytes.Length - 1)));
        Assert.Contains("snapshot", truncated.Message, StringComparison.OrdinalIgnoreCase);
        byte[] longer = [.. bytes, 0];
        Assert.Throws<CodecException>(() => PeerMessage.FromBytes(longer));
    }

    [Fact]
    public void A_part_request_deeper_than_the_tree_or_an_unknown_answer_kind_is_refused()
    {
        byte[] request = new SnapshotPartRequest(1, Hash32.Zero, new ChunkLocation(Hash32.Zero, 0)).ToBytes();
        request[^2] = 0x01; // depth 256
        request[^1] = 0x00;
        Assert.Contains("depth", Assert.Throws<CodecException>(() => PeerMessage.FromBytes(request)).Message);

        byte[] part = SnapshotPart.Unavailable(1, "x").ToBytes();
        part[9] = 7;
        Assert.Contains("unknown answer", Assert.Throws<CodecException>(() => PeerMessage.FromBytes(part)).Message);
    }
}

using System.Threading.Channels;
using Aegis.Core.Consensus;
using Aegis.Core.Ledger;
using Aegis.Core.State.Commitment;
using Aegis.Network;
using Aegis.Node.Runtime;
using Aegis.Storage;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.StateSync;

/// <summary>
/// Joins an empty node to a running chain by snapshot: asks the validators for offers (a committed block with its
/// certificate, checked against the genesis validators), takes the highest, fetches the state under that header's root
/// in parts from every offering peer (<see cref="SnapshotFetch"/>, each part verified as it arrives) and the blocks of
/// the dedup window below it (each checked against its certificate), then installs all of it in one store write
/// (<see cref="SnapshotInstall"/>). The runtime then starts consensus at the snapshot's height and follows by normal
/// block sync. Runs before the replica exists; the runtime routes the answers here while it runs.
/// </summary>
internal sealed partial class SnapshotJoiner
{
    private readonly Genesis _genesis;
    private readonly INodeStore _store;
    private readonly IPeerNetwork _network;
    private readonly SnapshotSyncOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<int, ulong, string> _rejected;
    private readonly Channel<(int Peer, PeerMessage Message)> _inbox = Channel.CreateBounded<(int, PeerMessage)>(new BoundedChannelOptions(4096) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    public SnapshotJoiner(Genesis genesis, INodeStore store, IPeerNetwork network, SnapshotSyncOptions options, TimeProvider time, ILogger logger, Action<int, ulong, string> rejected)
    {
        _genesis = genesis;
        _store = store;
        _network = network;
        _options = options;
        _time = time;
        _logger = logger;
        _rejected = rejected;
    }

    /// <summary>How often the joiner looks at its inbox and its timeouts: a few round trips' worth on a LAN.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    private int PipelineDepth => _genesis.Parameters.PipelineDepth;

    /// <summary>An answer from a validator for the joiner (dropped when the joiner is flooded: it asks again).</summary>
    public void Post(int peer, PeerMessage message) => _inbox.Writer.TryWrite((peer, message));

    /// <summary>Joins by snapshot; false when no peer offered one high enough (the node replays from genesis instead).</summary>
    public async Task<bool> RunAsync(CancellationToken ct)
    {
        (CommittedBlock Base, List<int> Peers)? offer = await CollectOffersAsync(ct);
        if (offer is not { } chosen)
        {
            LogNoSnapshot(_options.MinBlocks);
            return false;
        }

        long started = _time.GetTimestamp();
        ulong height = chosen.Base.Height;
        ulong stateHeight = height - (ulong)PipelineDepth;
        LogJoining(height, stateHeight, chosen.Base.Block.Header.StateRoot.ToShortString(), chosen.Peers.Count);
        var fetch = new SnapshotFetch(chosen.Base.Block.Header.StateRoot, firstRequestId: (ulong)_time.GetTimestamp(), _options.PartsInFlightPerPeer);
        ulong first = stateHeight > (ulong)_genesis.Parameters.DedupHorizonBlocks ? stateHeight - (ulong)_genesis.Parameters.DedupHorizonBlocks + 1 : 1;
        var blocks = new SortedDictionary<ulong, CommittedBlock> { [height] = chosen.Base };
        long? blocksAskedAt = null;
        int nextBlockPeer = 0;
        long timeout = (long)(_options.RequestTimeout.TotalSeconds * _time.TimestampFrequency);

        // Polled on a timer (the runtime's ticker does the same): the simulator's clock drives it like any other timer.
        using var tick = new PeriodicTimer(Poll, _time);
        int wanted = (int)(height - first + 1);
        long lastProgress = _time.GetTimestamp();
        int progressMark = 0;
        while (!fetch.IsComplete || blocks.Count < wanted)
        {
            long now = _time.GetTimestamp();
            if (fetch.EntryCount + blocks.Count != progressMark)
            {
                progressMark = fetch.EntryCount + blocks.Count;
                lastProgress = now;
            }
            else if (_time.GetElapsedTime(lastProgress) > _options.GiveUpAfter)
            {
                // Every peer answers "unavailable" (the root was pruned under us) or none answers: replay instead.
                LogStalled(height, fetch.EntryCount, blocks.Count, wanted);
                return false;
            }

            foreach ((int peer, SnapshotPartRequest request) in fetch.Assign(chosen.Peers, now))
            {
                _network.Send(peer, request);
            }

            if (blocks.Count < wanted && (blocksAskedAt is not { } asked || now - asked > timeout))
            {
                ulong missing = first;
                while (blocks.ContainsKey(missing))
                {
                    missing++;
                }

                _network.Send(chosen.Peers[nextBlockPeer++ % chosen.Peers.Count], new SyncRequest(missing, PeerMessage.MaxSyncBlocks));
                blocksAskedAt = now;
            }

            fetch.Expire(now - timeout);
            await tick.WaitForNextTickAsync(ct);
            while (_inbox.Reader.TryRead(out (int Peer, PeerMessage Message) item))
            {
                if (item.Message is SnapshotPart part)
                {
                    if (fetch.Receive(item.Peer, part) is { } reason)
                    {
                        LogPartRefused(item.Peer, reason);
                        if (part.Answer != SnapshotPartKind.Unavailable)
                        {
                            // Not an honest "I do not hold it": the answer contradicts the certified root.
                            _rejected(item.Peer, stateHeight, "snapshot part: " + reason);
                        }
                    }
                }
                else if (item.Message is SyncResponse sync && TakeBlocks(item.Peer, sync, first, height, blocks))
                {
                    blocksAskedAt = null;
                }
            }
        }

        var window = new List<StoredBlock>();
        for (ulong h = first; h <= stateHeight; h++)
        {
            // The state root after h is in the header d blocks above it (a header carries the root after h − d).
            window.Add(new StoredBlock(blocks[h].Block, blocks[h].Certificate, blocks[h + (ulong)PipelineDepth].Block.Header.StateRoot));
        }

        await _store.WriteGroupAsync(SnapshotInstall.Group(window, fetch.Entries), ct);
        double seconds = _time.GetElapsedTime(started).TotalSeconds;
        LogInstalled(stateHeight, fetch.EntryCount, first, fetch.Refused, seconds);
        return true;
    }

    /// <summary>Keeps the certified blocks of the window from a sync answer; true when any was new.</summary>
    private bool TakeBlocks(int peer, SyncResponse sync, ulong first, ulong height, SortedDictionary<ulong, CommittedBlock> blocks)
    {
        bool progressed = false;
        foreach (CommittedBlock b in sync.Blocks)
        {
            if (b.Height < first || b.Height >= height || blocks.ContainsKey(b.Height))
            {
                continue;
            }

            string? bad = b.Block.Header.ChainId != _genesis.ChainId ? $"block of chain '{b.Block.Header.ChainId}'" : b.Verify(_genesis.Validators, _genesis.ChainId);
            if (bad is not null)
            {
                LogPartRefused(peer, $"block {b.Height}: {bad}");
                _rejected(peer, b.Height, "snapshot window block: " + bad);
                return progressed;
            }

            blocks[b.Height] = b;
            progressed = true;
        }

        return progressed;
    }

    /// <summary>Broadcasts requests for offers until one is usable, then waits a little for higher ones; null on giving up.</summary>
    private async Task<(CommittedBlock, List<int>)?> CollectOffersAsync(CancellationToken ct)
    {
        long started = _time.GetTimestamp();
        long? firstUsable = null;
        CommittedBlock? best = null;
        var offering = new Dictionary<int, ulong>();
        var answered = new HashSet<int>();
        ulong requestId = (ulong)started;
        long? lastAsk = null;
        using var tick = new PeriodicTimer(Poll, _time);
        // Peers that were not connected yet missed the broadcast: ask again until enough have answered.
        long askEvery = _time.TimestampFrequency / 4;
        while (true)
        {
            long now = _time.GetTimestamp();
            if (firstUsable is { } at && _time.GetElapsedTime(at) >= _options.OfferWait)
            {
                return (best!, [.. offering.Keys.Order()]);
            }

            // f + 1 validators without a usable snapshot include an honest one: the chain is young (or they are all
            // new); replaying is the way. A silent network is given up on after a while too.
            if (firstUsable is null && (answered.Count >= _genesis.Validators.Quorum.Weak || _time.GetElapsedTime(started) >= _options.GiveUpAfter))
            {
                return null;
            }

            if (lastAsk is not { } asked || now - asked >= askEvery)
            {
                _network.Broadcast(new SnapshotOfferRequest(requestId));
                lastAsk = now;
            }

            await tick.WaitForNextTickAsync(ct);
            while (_inbox.Reader.TryRead(out (int Peer, PeerMessage Message) item))
            {
                if (item.Message is not SnapshotOffer { RequestId: var id } answer || id != requestId)
                {
                    continue;
                }

                answered.Add(item.Peer);
                if (answer.Base is not { } offered)
                {
                    continue;
                }

                if (offered.Block.Header.ChainId != _genesis.ChainId)
                {
                    LogPartRefused(item.Peer, $"offer: a block of chain '{offered.Block.Header.ChainId}'");
                    _rejected(item.Peer, offered.Height, "snapshot offer of another chain");
                    continue;
                }

                if (offered.Verify(_genesis.Validators, _genesis.ChainId) is { } bad)
                {
                    LogPartRefused(item.Peer, "offer: " + bad);
                    _rejected(item.Peer, offered.Height, "snapshot offer: " + bad);
                    continue;
                }

                if (offered.Height < (ulong)_options.MinBlocks + (ulong)PipelineDepth)
                {
                    continue;
                }

                offering[item.Peer] = offered.Height;
                if (best is null || offered.Height > best.Height)
                {
                    best = offered;
                }

                firstUsable ??= _time.GetTimestamp();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "no peer offers a snapshot of at least {MinBlocks} blocks: replaying the chain from genesis")]
    private partial void LogNoSnapshot(int minBlocks);

    [LoggerMessage(Level = LogLevel.Information, Message = "joining by snapshot: block {Height}'s certified state root {Root} (the state after height {StateHeight}) from {Peers} peers")]
    private partial void LogJoining(ulong height, ulong stateHeight, string root, int peers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "snapshot of block {Height} stalled ({Entries} entries, {Blocks} of {Wanted} window blocks): no peer answers; replaying the chain from genesis")]
    private partial void LogStalled(ulong height, int entries, int blocks, int wanted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refused a snapshot answer from validator {Peer}: {Reason}; asking again elsewhere")]
    private partial void LogPartRefused(int peer, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "snapshot installed at height {Height}: {Entries} entries, blocks from {First} kept, {Refused} answers refused, {Seconds:F1} s")]
    private partial void LogInstalled(ulong height, int entries, ulong first, int refused, double seconds);
}

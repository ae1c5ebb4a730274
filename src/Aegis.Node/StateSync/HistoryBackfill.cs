using System.Threading.Channels;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Network;
using Aegis.Storage;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.StateSync;

/// <summary>
/// Fetches the history below a snapshot-joined store's first block from the validators, in the background, newest first
/// (config <c>storage.keep_history</c>). Newest first because that is the only order in which every chunk is checked the
/// moment it can be written: the store's first block is certified, each block's hash must equal the previous hash its
/// child names, so a chunk that ends just below the first block is proven by the hash chain alone and the store's first
/// height only ever moves down, contiguously — a crash at any instant leaves a store whose history is one unbroken,
/// checked range (oldest first would hold everything unproven until it reached the certified base). It also brings the
/// recent history (what clients ask for most, and what dedup lookups hit most) first.
/// <para>
/// No re-execution: the blocks' state is superseded by the snapshot; each block is written with its certificate (checked
/// against the genesis validators too, so a stored certificate is always valid), the state root named pipeline_depth
/// above it, and its tx-index rows (<see cref="HistoryInstall"/>). At most <see cref="SnapshotSyncOptions.HistoryRequestsInFlight"/>
/// chunk requests are out at once; an answer that does not verify is counted (<c>sync_rejected</c>), its sender is
/// reported, and the chunk asked of another validator.
/// </para>
/// </summary>
/// <param name="firstHeight">the store's first height as read at start (0: empty).</param>
internal sealed partial class HistoryBackfill(Genesis genesis, INodeStore store, IPeerNetwork network, SnapshotSyncOptions options, TimeProvider time, ILogger logger, Action<int, ulong, string> rejected, ulong firstHeight)
{
    /// <summary>How often the backfill looks at its inbox and its timeouts (the joiner's poll).</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    private readonly Genesis _genesis = genesis;
    private readonly ILogger _logger = logger;
    private readonly Channel<(int Peer, SyncResponse Response)> _inbox = Channel.CreateBounded<(int, SyncResponse)>(new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private long _firstHeight = (long)firstHeight;
    private int _nextPeer;

    /// <summary>The lowest block the store holds (1: the whole history; 0: none).</summary>
    public ulong FirstHeight => (ulong)Interlocked.Read(ref _firstHeight);

    /// <summary>Blocks fetched and written by this process.</summary>
    public long Backfilled { get; private set; }

    /// <summary>Whether a sync answer is for the backfill: it ends below the store's first block (the session never asks for those).</summary>
    public bool Wants(SyncResponse response) => response.Blocks.Count > 0 && FirstHeight > 1 && response.Blocks[^1].Height < FirstHeight;

    /// <summary>An answer from a validator (dropped when flooded: the chunk is asked again after its timeout).</summary>
    public void Post(int peer, SyncResponse response) => _inbox.Writer.TryWrite((peer, response));

    /// <summary>
    /// Reads the store's first height and, when <paramref name="fetch"/>, backfills until the store holds block 1; a
    /// storage failure is retried after a pause, from what is durable.
    /// </summary>
    public async Task RunAsync(bool fetch, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                if (!fetch)
                {
                    Interlocked.Exchange(ref _firstHeight, (long)await store.GetFirstHeightAsync(ct));
                    return;
                }

                await BackfillAsync(ct);
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (InvariantViolationException ex)
            {
                // Nothing unchecked was written; the node keeps serving what it holds, loudly without its history.
                LogFailed(ex);
                return;
            }
            catch (Exception ex) when (ex is StorageException or System.Data.Common.DbException or IOException)
            {
                // A refused group (BlockRejectedException is a StorageException) wrote nothing; the store says where to resume.
                LogRetrying(ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task BackfillAsync(CancellationToken ct)
    {
        ulong first = await store.GetFirstHeightAsync(ct);
        Interlocked.Exchange(ref _firstHeight, (long)first);
        if (first <= 1)
        {
            return;
        }

        int depth = _genesis.Parameters.PipelineDepth;

        // The header d blocks above a block carries the state root after it: keep the headers' roots of the d blocks
        // above the first. Right after a join the store may hold fewer (a dedup window shorter than the pipeline):
        // block sync brings them within moments.
        var rootAbove = new Dictionary<ulong, Hash32>();
        IReadOnlyList<StoredBlock> top = await store.GetBlocksAsync(first, depth, ct);
        while (top.Count < depth)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, ct);
            top = await store.GetBlocksAsync(first, depth, ct);
        }

        InvariantViolationException.Assert(top[0].Height == first, () => $"history backfill: the store's first block {first} cannot be read");
        foreach (StoredBlock b in top)
        {
            rootAbove[b.Height] = b.Block.Header.StateRoot;
        }

        Hash32 expected = top[0].Block.Header.PreviousHash;
        ulong startedFrom = first;
        long started = time.GetTimestamp();
        LogStarting(first - 1);

        var pieces = new SortedDictionary<ulong, Piece>();
        ulong nextTop = first - 1;
        int size = Math.Clamp(options.HistoryChunkBlocks, 1, PeerMessage.MaxSyncBlocks);
        long timeout = (long)(options.RequestTimeout.TotalSeconds * time.TimestampFrequency);
        using var tick = new PeriodicTimer(Poll, time);
        while (first > 1)
        {
            long now = time.GetTimestamp();
            while (pieces.Count < options.HistoryRequestsInFlight && nextTop >= 1)
            {
                ulong from = nextTop > (ulong)size ? nextTop - (ulong)size + 1 : 1;
                pieces[nextTop] = new Piece(from, nextTop);
                nextTop = from - 1;
            }

            int[] peers = [.. network.Peers.Where(p => p.Validator >= 0).Select(p => p.Validator).Distinct().Order()];
            foreach (Piece piece in pieces.Values)
            {
                if (piece.Blocks is null && piece.Peer is { } asked && now - piece.AskedAt > timeout)
                {
                    piece.Failed.Add(asked);
                    piece.Peer = null;
                }

                if (piece.Blocks is null && piece.Peer is null && Choose(peers, piece) is { } peer)
                {
                    piece.Peer = peer;
                    piece.AskedAt = now;
                    network.Send(peer, new SyncRequest(piece.From, (int)(piece.Top - piece.From + 1)));
                }
            }

            await tick.WaitForNextTickAsync(ct);
            while (_inbox.Reader.TryRead(out (int Peer, SyncResponse Response) item))
            {
                if (Receive(pieces, item.Peer, item.Response) is { } answered)
                {
                    size = Math.Max(1, Math.Min(size, answered));
                }
            }

            // Write, top down, every chunk that now links to the verified chain above it.
            while (pieces.TryGetValue(first - 1, out Piece? next) && next.Blocks is { } blocks)
            {
                if (Check(blocks, expected) is { } bad)
                {
                    LogRefused(next.Peer!.Value, next.From, next.Top, bad);
                    rejected(next.Peer.Value, next.Top, "history chunk: " + bad);
                    next.Failed.Add(next.Peer.Value);
                    next.Peer = null;
                    next.Blocks = null;
                    break;
                }

                var stored = new StoredBlock[blocks.Count];
                for (int i = blocks.Count - 1; i >= 0; i--)
                {
                    ulong above = blocks[i].Height + (ulong)depth;
                    Hash32 after = i + depth < blocks.Count ? blocks[i + depth].Block.Header.StateRoot
                        : rootAbove.TryGetValue(above, out Hash32 r) ? r
                        : throw new InvariantViolationException($"history backfill: no header at height {above} names the state root after block {blocks[i].Height}");
                    stored[i] = new StoredBlock(blocks[i].Block, blocks[i].Certificate, after);
                }

                await store.WriteGroupAsync(HistoryInstall.Group(stored), ct);
                pieces.Remove(first - 1);
                first = next.From;
                expected = blocks[0].Block.Header.PreviousHash;
                Interlocked.Exchange(ref _firstHeight, (long)first);
                Backfilled += blocks.Count;
                foreach (CommittedBlock b in blocks)
                {
                    rootAbove[b.Height] = b.Block.Header.StateRoot;
                }

                foreach (ulong old in rootAbove.Keys.Where(h => h >= first + (ulong)depth).ToList())
                {
                    rootAbove.Remove(old);
                }
            }
        }

        LogComplete(startedFrom - 1, time.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>
    /// Takes an answer for the piece asked of <paramref name="peer"/> that starts where the answer does. A shorter answer
    /// than asked (the sender's byte bound) splits the piece: the rest is asked again. Returns the blocks taken, or null.
    /// </summary>
    private static int? Receive(SortedDictionary<ulong, Piece> pieces, int peer, SyncResponse response)
    {
        ulong from = response.Blocks[0].Height;
        Piece? piece = pieces.Values.FirstOrDefault(p => p.Blocks is null && p.Peer == peer && p.From == from);
        if (piece is null)
        {
            return null;
        }

        var taken = new List<CommittedBlock>();
        foreach (CommittedBlock b in response.Blocks)
        {
            if (b.Height != from + (ulong)taken.Count || b.Height > piece.Top)
            {
                break;
            }

            taken.Add(b);
        }

        ulong last = from + (ulong)taken.Count - 1;
        if (last < piece.Top)
        {
            pieces[piece.Top] = new Piece(last + 1, piece.Top);
            piece.Top = last;
            pieces[last] = piece;
        }

        piece.Blocks = taken;
        return taken.Count;
    }

    /// <summary>Null when <paramref name="blocks"/> are certified blocks of this chain, linked to each other and to <paramref name="expected"/>, the hash the block above names.</summary>
    private string? Check(List<CommittedBlock> blocks, Hash32 expected)
    {
        Hash32 next = expected;
        for (int i = blocks.Count - 1; i >= 0; i--)
        {
            CommittedBlock b = blocks[i];
            if (b.Block.Hash != next)
            {
                return $"block {b.Height} hashes to {b.Block.Hash.ToShortString()}, the block above it follows {next.ToShortString()}";
            }

            if (b.Block.Header.ChainId != _genesis.ChainId)
            {
                return $"block {b.Height} is of chain '{b.Block.Header.ChainId}'";
            }

            if (b.Verify(_genesis.Validators, _genesis.ChainId) is { } bad)
            {
                return bad;
            }

            next = b.Block.Header.PreviousHash;
        }

        return blocks[0].Height == 1 && next != _genesis.Hash ? $"block 1 follows {next.ToShortString()}, not the genesis hash {_genesis.Hash.ToShortString()}" : null;
    }

    /// <summary>Round robin over the connected validators, avoiding those that failed this piece while another has not.</summary>
    private int? Choose(int[] peers, Piece piece)
    {
        if (peers.Length == 0)
        {
            return null;
        }

        bool anyUntried = peers.Any(p => !piece.Failed.Contains(p));
        for (int i = 0; i < peers.Length; i++)
        {
            int peer = peers[(_nextPeer + i) % peers.Length];
            if (!anyUntried || !piece.Failed.Contains(peer))
            {
                _nextPeer = (_nextPeer + i + 1) % peers.Length;
                return peer;
            }
        }

        return null;
    }

    /// <summary>Blocks From..Top: wanted, asked of a peer, or received (not yet checked).</summary>
    private sealed class Piece(ulong from, ulong top)
    {
        public ulong From { get; } = from;

        public ulong Top { get; set; } = top;

        public int? Peer { get; set; }

        public long AskedAt { get; set; }

        public List<CommittedBlock>? Blocks { get; set; }

        public HashSet<int> Failed { get; } = [];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "backfilling history: blocks {Top} down to 1, newest first, from the validators")]
    private partial void LogStarting(ulong top);

    [LoggerMessage(Level = LogLevel.Information, Message = "history backfilled: blocks 1..{Top} stored, {Seconds:F1} s")]
    private partial void LogComplete(ulong top, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refused history blocks {From}..{Top} from validator {Peer}: {Reason}; asking another")]
    private partial void LogRefused(int peer, ulong from, ulong top, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "history backfill stopped for good: an invariant broke; the node serves what it holds")]
    private partial void LogFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "history backfill paused: {Reason}; resuming from the store in 1 s")]
    private partial void LogRetrying(string reason);
}

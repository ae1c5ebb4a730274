using Aegis.Core.Consensus;

namespace Aegis.Node.Runtime;

/// <summary>
/// Block sync's requests, owned by the event loop: up to <see cref="MaxInFlight"/> chunk requests out at once, spread
/// over the connected validators, so the loop executes one chunk while the next ones are read, sent and verified on
/// the peers' and our readers (measured: with one request at a time the loop idled for every round trip). An answer that
/// starts above the tip waits here (only answers to a request in flight, so at most <see cref="MaxInFlight"/> chunks)
/// until the chunks below it are committed. Nothing here is durable or trusted: each request is a hint, a lost or
/// short answer leaves a gap that the next <see cref="Plan"/> asks for again, and a request unanswered for
/// <see cref="TimeoutTicks"/> is forgotten (asked again, of the next peer).
/// </summary>
internal sealed class SyncPipeline
{
    /// <summary>Four chunks of at most 256 blocks or a quarter frame each: enough to keep three serving peers busy.</summary>
    public const int MaxInFlight = 4;

    /// <summary>Ticks (50 ms) an unanswered request stays in flight: 2 s, a loaded peer's read of 256 blocks included.</summary>
    public const long TimeoutTicks = 40;

    private readonly SortedDictionary<ulong, Request> _inFlight = [];
    private readonly SortedDictionary<ulong, (int Peer, VerifiedChunk Chunk)> _ahead = [];
    private int _nextPeer;

    /// <param name="firstPeer">where the round robin over the peers starts (the node's own index: syncing nodes spread their first requests).</param>
    public SyncPipeline(int firstPeer) => _nextPeer = Math.Max(0, firstPeer);

    /// <summary>Ticks seen by this session's loop (the pipeline's clock).</summary>
    public long Ticks { get; set; }

    public int InFlight => _inFlight.Count;

    /// <summary>
    /// Takes an answer: true when it may be applied now (it reaches down to <paramref name="committed"/> + 1); false when it
    /// waits above the tip (it answers a request in flight) or is dropped (it answers nothing we asked and starts above
    /// the tip: perhaps an earlier process's request).
    /// </summary>
    public bool Answered(int peer, VerifiedChunk chunk, ulong committed)
    {
        bool asked = _inFlight.TryGetValue(chunk.From, out Request? request) && request.Peer == peer;
        if (asked)
        {
            _inFlight.Remove(chunk.From);
        }

        if (chunk.From <= committed + 1)
        {
            return true;
        }

        if (asked)
        {
            _ahead[chunk.From] = (peer, chunk);
        }

        return false;
    }

    /// <summary>The waiting chunk that now reaches the tip, if any (those wholly below it are dropped on the way).</summary>
    public (int Peer, VerifiedChunk Chunk)? NextReady(ulong committed)
    {
        while (_ahead.Count > 0)
        {
            KeyValuePair<ulong, (int Peer, VerifiedChunk Chunk)> lowest = _ahead.First();
            if (lowest.Value.Chunk.To <= committed)
            {
                _ahead.Remove(lowest.Key);
                continue;
            }

            if (lowest.Key > committed + 1)
            {
                return null;
            }

            _ahead.Remove(lowest.Key);
            return lowest.Value;
        }

        return null;
    }

    /// <summary>
    /// The requests to send now (peer, first height, count) so that, up to <see cref="MaxInFlight"/>, every height from
    /// <paramref name="committed"/> + 1 to <paramref name="target"/> is asked for or waiting. Expired requests and those the
    /// tip has passed are forgotten first. <paramref name="preferred"/> (a peer known to hold more) is asked first.
    /// </summary>
    public List<(int Peer, ulong From, int Count)> Plan(ulong committed, ulong target, IReadOnlyList<int> peers, int preferred, int maxBlocks)
    {
        foreach ((ulong from, Request r) in _inFlight.ToList())
        {
            if (from + (ulong)r.Count - 1 <= committed || Ticks - r.AskedAt > TimeoutTicks)
            {
                _inFlight.Remove(from);
            }
        }

        var plan = new List<(int, ulong, int)>();
        if (peers.Count == 0 || target <= committed)
        {
            return plan;
        }

        // Covered ranges, lowest first: requests in flight and chunks waiting. The first gap above the tip is asked next.
        var covered = _inFlight.Select(kv => (From: kv.Key, To: kv.Key + (ulong)kv.Value.Count - 1))
            .Concat(_ahead.Values.Select(a => (a.Chunk.From, a.Chunk.To)))
            .OrderBy(r => r.From)
            .ToList();
        ulong next = committed + 1;
        int i = 0;
        while (_inFlight.Count < MaxInFlight && next <= target)
        {
            while (i < covered.Count && covered[i].From <= next)
            {
                next = Math.Max(next, covered[i].To + 1);
                i++;
            }

            if (next > target)
            {
                break;
            }

            ulong gapEnd = i < covered.Count ? covered[i].From - 1 : ulong.MaxValue;
            int count = (int)Math.Min((ulong)maxBlocks, gapEnd - next + 1);
            int peer = plan.Count == 0 && preferred >= 0 && peers.Contains(preferred) ? preferred : peers[(int)((uint)_nextPeer++ % (uint)peers.Count)];
            _inFlight[next] = new Request(peer, count, Ticks);
            plan.Add((peer, next, count));
            next += (ulong)count;
        }

        return plan;
    }

    private sealed record Request(int Peer, int Count, long AskedAt);
}

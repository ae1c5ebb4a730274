using System.Threading.Channels;
using Aegis.Content.Cids;
using Aegis.Content.UnixFs;
using Microsoft.Extensions.Logging;

namespace Aegis.Content.Ledger;

/// <summary>
/// Makes every ledger pin complete on this node: walks the pinned DAG, fetching each missing block from the peers
/// (checked against its hash before it is stored). A root whose blocks cannot be had yet — the node that added it
/// is down and no other has them — is retried with a growing delay (1 s doubling to 60 s), never dropped.
/// </summary>
public sealed partial class Replicator(ContentService content, ILogger<Replicator> logger)
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(60);
    private readonly Channel<(Cid Root, TimeSpan Delay)> _queue = Channel.CreateUnbounded<(Cid, TimeSpan)>();
    private int _pending;

    /// <summary>Roots not yet complete on this node.</summary>
    public int Pending => Volatile.Read(ref _pending);

    public void Enqueue(Cid root)
    {
        Interlocked.Increment(ref _pending);
        _queue.Writer.TryWrite((root, TimeSpan.Zero));
    }

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await foreach ((Cid root, TimeSpan delay) in _queue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    int blocks = 0;
                    await foreach (Cid _ in content.WalkAsync(root, ct).ConfigureAwait(false))
                    {
                        blocks++;
                    }

                    Interlocked.Decrement(ref _pending);
                    LogComplete(root.ToString(), blocks);
                }
                catch (Exception ex) when (ex is ContentNotFoundException or FormatException or IOException)
                {
                    TimeSpan next = delay == TimeSpan.Zero ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, delay.Ticks * 2));
                    LogRetry(root.ToString(), next.TotalSeconds, ex.Message);
                    _ = RequeueAsync(root, next, ct);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RequeueAsync(Cid root, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
            _queue.Writer.TryWrite((root, delay));
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pinned DAG {Root} complete on this node ({Blocks} blocks)")]
    private partial void LogComplete(string root, int blocks);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pinned DAG {Root} incomplete, retrying in {DelaySeconds} s: {Reason}")]
    private partial void LogRetry(string root, double delaySeconds, string reason);
}

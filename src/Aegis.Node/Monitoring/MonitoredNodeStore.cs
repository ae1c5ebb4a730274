using Aegis.Core.Crypto;
using Aegis.Storage;

namespace Aegis.Node.Monitoring;

/// <summary>
/// The node's store as the rest of the node sees it: every call goes to the engine unchanged; a failure is recorded
/// in <see cref="StorageHealth"/> (and its counters) on its way to the caller.
/// </summary>
public sealed class MonitoredNodeStore(INodeStore inner, StorageHealth health) : INodeStore
{
    public string Description => inner.Description;

    public StorageHealth Health => health;

    public Task InitializeAsync(CancellationToken ct) => ReadAsync(() => inner.InitializeAsync(ct), ct);

    /// <summary>The engine's node reader: synchronous, so its failures reach the caller (execution) directly and stop the session.</summary>
    public Aegis.Core.State.Commitment.ITreeNodeReader StateNodes => inner.StateNodes;

    public Task<ChainTip> GetTipAsync(CancellationToken ct) => ReadAsync(() => inner.GetTipAsync(ct), ct);

    public Task<StoredBlock?> GetBlockAsync(ulong height, CancellationToken ct) => ReadAsync(() => inner.GetBlockAsync(height, ct), ct);

    public Task<IReadOnlyList<StoredBlock>> GetBlocksAsync(ulong fromHeight, int maxCount, CancellationToken ct) => ReadAsync(() => inner.GetBlocksAsync(fromHeight, maxCount, ct), ct);

    public Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct) => ReadAsync(() => inner.GetAsync(key, ct), ct);

    public Task<TxLocation?> GetTxAsync(Hash32 txHash, CancellationToken ct) => ReadAsync(() => inner.GetTxAsync(txHash, ct), ct);

    public Task<IReadOnlySet<Hash32>> FindAppliedTxsAsync(IReadOnlyCollection<Hash32> txHashes, CancellationToken ct) => ReadAsync(() => inner.FindAppliedTxsAsync(txHashes, ct), ct);

    public Task<IReadOnlyList<ConsensusRecordEntry>> ReadConsensusRecordAsync(CancellationToken ct) => ReadAsync(() => inner.ReadConsensusRecordAsync(ct), ct);

    public async Task WriteGroupAsync(WriteGroup group, CancellationToken ct)
    {
        try
        {
            await inner.WriteGroupAsync(group, ct);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
        {
            health.WriteFailed(ex);
            throw;
        }

        health.WriteSucceeded();
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private async Task ReadAsync(Func<Task> read, CancellationToken ct)
    {
        try
        {
            await read();
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
        {
            health.ReadFailed(ex);
            throw;
        }
    }

    private async Task<T> ReadAsync<T>(Func<Task<T>> read, CancellationToken ct)
    {
        try
        {
            return await read();
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
        {
            health.ReadFailed(ex);
            throw;
        }
    }
}

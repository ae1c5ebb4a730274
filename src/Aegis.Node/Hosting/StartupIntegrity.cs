using Aegis.Core.Consensus;
using Aegis.Node.Monitoring;
using Aegis.Node.Operations;
using Aegis.Storage;
using Aegis.Storage.Export;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.Hosting;

/// <summary>Runs <see cref="RecentHistoryCheck"/> at start and turns its verdict into the node's storage health.</summary>
internal static partial class StartupIntegrity
{
    /// <summary>True when the store may be served; false (health marked corrupt, logged) when a check failed.</summary>
    /// <exception cref="StorageException">the store cannot be read for a reason that says nothing about its data (the node exits).</exception>
    public static async Task<bool> CheckAsync(INodeStore store, Genesis genesis, int blocks, bool verifyState, StorageHealth health, ILogger log, CancellationToken ct)
    {
        string? problem;
        try
        {
            RecentHistoryReport report = await RecentHistoryCheck.RunAsync(store, genesis, blocks, ct);
            LogChecked(log, report.Blocks, report.FromHeight, report.ToHeight, report.Elapsed.TotalMilliseconds);
            if (verifyState && store is IStoreSnapshots snapshots)
            {
                TimeSpan state = await StateRootCheck.RunAsync(snapshots, store.StateNodes, ct);
                LogStateChecked(log, report.ToHeight, state.TotalMilliseconds);
            }

            return true;
        }
        catch (ChainCorruptException ex)
        {
            problem = $"start-time check: {ex.Message}";
        }
        catch (Exception ex) when (ex is not OperationCanceledException && StorageHealth.Classify(ex) == StorageHealth.StoreCorrupt)
        {
            // The database itself reports damage (SQLite "malformed", PostgreSQL XX001) before a row could be checked.
            problem = $"start-time check: {ex.Message}";
        }

        health.IntegrityFailed(StorageHealth.StartCheck, problem);
        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "start-time check passed: {Blocks} blocks ({From}..{To}) match their hashes, links, certificates and state roots, in {ElapsedMs:F0} ms")]
    private static partial void LogChecked(ILogger log, ulong blocks, ulong from, ulong to, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "start-time check passed: the key-value state hashes to the state root of the tip (height {Height}), in {ElapsedMs:F0} ms")]
    private static partial void LogStateChecked(ILogger log, ulong height, double elapsedMs);
}

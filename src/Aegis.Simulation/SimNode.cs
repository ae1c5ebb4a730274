using Aegis.Core.Consensus;
using Aegis.Node.Monitoring;
using Aegis.Node.Runtime;

namespace Aegis.Simulation;

/// <summary>One simulated validator: its disk (kept across crashes), its current process (the production host), its fault role.</summary>
internal sealed class SimNode(int index, SimDisk disk, ByzantineWire? byzantine)
{
    public int Index { get; } = index;

    public SimDisk Disk { get; } = disk;

    public ByzantineWire? Byzantine { get; } = byzantine;

    public bool IsHonest => Byzantine is null;

    /// <summary>The running process; null while the node is down.</summary>
    public NodeRuntime? Runtime { get; set; }

    /// <summary>Counts processes started, so events from a dead one are told apart.</summary>
    public int Incarnation { get; set; }

    public bool Down => Runtime is null;

    /// <summary>What the running process's monitored store has seen (the node's /ready reads the same): new with each process.</summary>
    public StorageHealth Health { get; set; } = new();
}

/// <summary>Forwards one process's runtime events to the checker and the trace, ignoring a dead process's last words.</summary>
internal sealed class NodeObserver(SimCluster simulation, SimNode node, int incarnation) : IRuntimeObserver
{
    private bool Current => node.Incarnation == incarnation && !node.Down;

    public void OnEvidence(Evidence evidence)
    {
        if (Current)
        {
            simulation.Checker.OnEvidence(node.Index, evidence);
            simulation.RecordEvidence(node.Index, evidence);
            simulation.Log(node.Index, $"evidence {evidence.Kind} against {evidence.Validator}: {evidence.Description}");
        }
    }

    public void OnSyncRejected(int peer, ulong height, string reason)
    {
        if (Current)
        {
            simulation.Checker.OnSyncRejected(node.Index, peer, height, reason);
            simulation.Log(node.Index, $"sync chunk from {peer} rejected at {height}: {reason}");
        }
    }

    public void OnTrace(string message)
    {
    }

    public void OnRecovering(Exception failure)
    {
        if (Current)
        {
            simulation.Checker.OnRecovering();
            simulation.Log(node.Index, $"storage failed, recovering: {failure.Message}");

            // A full disk must read as disk_full (not ready with that reason) until a write succeeds again.
            if (StorageHealth.Classify(failure) == StorageHealth.DiskFull && node.Health.LastWriteFailure?.Reason != StorageHealth.DiskFull)
            {
                simulation.Checker.Fail($"node {node.Index}: its disk is full, but its storage health says {node.Health.LastWriteFailure?.Reason ?? "nothing failed"}");
            }
        }
    }

    public void OnStopped(Exception failure)
    {
        if (Current)
        {
            simulation.Checker.OnStopped(node.Index, failure);
            simulation.Log(node.Index, $"STOPPED: {failure.Message}");
        }
    }
}

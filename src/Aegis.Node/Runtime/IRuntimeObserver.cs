using Aegis.Core.Consensus;

namespace Aegis.Node.Runtime;

/// <summary>
/// Events of the runtime beyond logs and metrics, for whoever needs to act on them: the simulator's invariant checker
/// (evidence against an honest node, a valid sync chunk rejected, a node that stopped). Called on the runtime's own
/// threads; an observer must be quick and must not throw.
/// </summary>
public interface IRuntimeObserver
{
    /// <summary>The replica found provable misbehaviour.</summary>
    void OnEvidence(Evidence evidence)
    {
    }

    /// <summary>A block of a sync chunk did not follow our chain; the rest of the chunk was dropped.</summary>
    void OnSyncRejected(int peer, ulong height, string reason)
    {
    }

    /// <summary>A replica trace (debug-level decisions).</summary>
    void OnTrace(string message)
    {
    }

    /// <summary>Storage failed under consensus: it stopped, and restarts from what is durable once the store answers again.</summary>
    void OnRecovering(Exception failure)
    {
    }

    /// <summary>An invariant broke: consensus stopped for good (fail-stop).</summary>
    void OnStopped(Exception failure)
    {
    }
}

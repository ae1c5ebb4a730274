namespace Aegis.Simulation;

// Crash and partition faults, and healing when the faulty period ends.
public sealed partial class Simulation
{
    private void ScheduleFaults()
    {
        FaultKinds f = _options.Faults;
        foreach (SimNode node in _nodes)
        {
            if (node.Crashed && _tick >= node.RestartAt)
            {
                Restart(node);
            }
        }

        if (f.HasFlag(FaultKinds.Crash) && _nodes.Length > 1 && !_nodes.Any(n => n.Crashed) && _faultRng.Chance(1.0 / 150))
        {
            SimNode victim = _nodes[_faultRng.Next(_nodes.Length)];
            if (victim.IsHonest)
            {
                Crash(victim, _tick + _faultRng.Next(20, 200));
            }
        }

        if (_partition is not null && _tick >= _partitionEnds)
        {
            _partition = null;
        }

        if (f.HasFlag(FaultKinds.Partition) && _partition is null && _nodes.Length > 1 && _faultRng.Chance(1.0 / 200))
        {
            _partition = new int[_nodes.Length];
            for (int i = 0; i < _partition.Length; i++)
            {
                _partition[i] = _faultRng.Next(2);
            }

            _partitionEnds = _tick + _faultRng.Next(30, 200);
            Log(-1, $"partition {string.Join(',', _partition)} until {_partitionEnds}");
            _partitions++;
        }
    }

    private void Heal()
    {
        _partition = null;
        foreach (SimNode node in _nodes)
        {
            if (node.Crashed)
            {
                Restart(node);
            }
        }
    }

    /// <summary>A crash loses everything in memory; only the node's storage survives.</summary>
    private void Crash(SimNode node, long restartAt)
    {
        node.Crashed = true;
        node.Replica = null;
        node.RestartAt = restartAt;
        _crashes++;
        Log(node.Index, $"crash until {restartAt}");
        TraceEvent(node.Index, 3, (ulong)restartAt, default);
    }

    private void Restart(SimNode node)
    {
        var replica = new Aegis.Core.Consensus.Replica(_genesis, _signers[node.Index], _replicaOptions, node.Storage.Position(_genesis));
        replica.Restore(node.Storage.ReadRecord());
        node.Replica = replica;
        node.Crashed = false;
        Log(node.Index, $"restart at height {node.Storage.Height}, record {node.Storage.RecordSize} entries, view {replica.View}");
        TraceEvent(node.Index, 4, node.Storage.Height, default);
    }
}
